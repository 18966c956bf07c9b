package dev.sparkcnn.jobs.hadoop;

import dev.sparkcnn.jobs.JobsTest;
import dev.sparkcnn.jobs.yarn.YarnPreflight;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.jobs.yarn.YarnSubmit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.CONFIG;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.DATA;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.assertSameParameters;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.containers;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.deployCnn;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.existsHdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.hdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.readHdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.reference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/cnn --master yarn}, run as a user runs it, against the test cluster's real
 * ResourceManager and NodeManagers (executors are YARN containers: child JVMs of this one), with
 * every file on its HDFS: bitwise the local[2] parameters in client mode with an executor killed
 * mid-run, cluster mode with --resume, a sweep whose trials are YARN tasks, and the errors a user
 * gets instead of a hang.
 */
@ExtendWith(HadoopTestCluster.class)
class YarnJobsTest {

    private static final String[] TWO_EXECUTORS = {"--num-executors", "2", "--executor-memory", "512m", "--executor-cores", "1"};
    /** Spark's module options, which include the Vector API our GEMM needs. */
    private static final List<String> MODULE_FLAGS = List.of("--add-modules=jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED");

    private static String[] args(String[] head, String... tail) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(List.of(tail));
        return a.toArray(new String[0]);
    }

    /** Watches the cluster's container JVMs while a run goes on: their command lines, by pid. */
    private static final class Containers implements AutoCloseable {
        final Map<Long, String> executors = new ConcurrentHashMap<>(), masters = new ConcurrentHashMap<>();
        final AtomicBoolean done = new AtomicBoolean();
        final Thread thread;

        Containers(Runnable each) {
            thread = new Thread(() -> {
                while (!done.get()) {
                    containers("YarnCoarseGrainedExecutorBackend").forEach(p -> executors.put(p.pid(), p.info().commandLine().orElse("")));
                    containers("org.apache.spark.deploy.yarn.ExecutorLauncher").forEach(p -> masters.put(p.pid(), p.info().commandLine().orElse("")));
                    containers("org.apache.spark.deploy.yarn.ApplicationMaster").forEach(p -> masters.put(p.pid(), p.info().commandLine().orElse("")));
                    each.run();
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "container-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void assertModuleFlags() {
            assertFalse(masters.isEmpty(), "an ApplicationMaster container was seen");
            assertFalse(executors.isEmpty(), "executor containers were seen");
            for (Map<Long, String> m : List.of(masters, executors)) {
                for (String cmd : m.values()) {
                    for (String flag : MODULE_FLAGS) assertTrue(cmd.contains(flag), "container command line has " + flag + ": " + cmd);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            done.set(true);
            thread.join();
        }
    }

    @Test
    void clientModeEqualsLocalModeBitForBitWithAnExecutorKilledMidRun() throws Exception {
        String run = hdfs("/runs/yarn-client");
        Path ref = reference();
        AtomicLong killed = new AtomicLong(-1);
        HadoopTestCluster.Run r;
        Set<Long> before = ConcurrentHashMap.newKeySet();
        try (Containers seen = new Containers(() -> {
            Path log = HadoopTestCluster.LAST_LOG;
            if (killed.get() >= 0 || log == null) return;
            try {
                if (!Files.readString(log).contains("epoch 1/2 step 4/")) return;
            } catch (java.io.IOException e) {
                return;
            }
            List<ProcessHandle> executors = containers("YarnCoarseGrainedExecutorBackend");
            if (executors.isEmpty()) return;
            before.addAll(executors.stream().map(ProcessHandle::pid).toList());
            ProcessHandle victim = executors.get(0);
            killed.set(victim.pid());
            victim.destroyForcibly();   // SIGKILL
        })) {
            r = deployCnn(Map.of(), 400, args(TWO_EXECUTORS, "train", "--master", "yarn", "--config", CONFIG, "--data", hdfs(DATA),
                    "--out", run, "--partitions", "2"));
            seen.close();
            assertEquals(0, r.code(), r.output());
            assertTrue(killed.get() > 0, "an executor container was killed mid-run");
            List<Long> replacements = seen.executors.keySet().stream().filter(pid -> !before.contains(pid)).toList();
            assertFalse(replacements.isEmpty(), "YARN started a replacement executor after " + killed + " was killed: " + seen.executors.keySet());
            seen.assertModuleFlags();
        }
        assertTrue(r.output().contains("2 partitions on yarn"), r.output());
        assertTrue(r.output().contains("spark.yarn.archive"), "the Spark jars archive is named: " + r.output());
        assertSameParameters(ref.resolve("model.scnn").toUri().toString(), run + "/model.scnn");
        for (String f : List.of("config.conf", "metrics.jsonl", "summary.json", "report.html")) assertTrue(existsHdfs(run + "/" + f), f);
    }

    @Test
    void clusterModeTrainsAnEpochThenResumesFromHdfsBitExactly() throws Exception {
        String run = hdfs("/runs/yarn-cluster");
        Path ref = reference();
        String[] common = args(TWO_EXECUTORS, "train", "--master", "yarn", "--deploy-mode", "cluster", "--driver-memory", "512m",
                "--config", CONFIG, "--data", hdfs(DATA), "--out", run, "--partitions", "2");
        try (Containers seen = new Containers(() -> { })) {
            HadoopTestCluster.Run r = deployCnn(Map.of(), 400, args(common, "--set", "max.steps=19"));
            seen.close();
            assertEquals(0, r.code(), r.output());
            assertTrue(r.output().contains("reusing") || r.output().contains("uploaded"), r.output());
            seen.assertModuleFlags();
            assertTrue(seen.masters.values().stream().allMatch(c -> c.contains("ApplicationMaster")), "the driver ran in the ApplicationMaster");
        }
        assertSameParameters(ref.resolve("checkpoints/ckpt-00000019.scnn").toUri().toString(), run + "/model.scnn");
        org.apache.hadoop.fs.FileStatus[] archives = archives();
        HadoopTestCluster.Run r = deployCnn(Map.of(), 400, args(common, "--set", "max.steps=0", "--resume"));
        assertEquals(0, r.code(), r.output());
        // Spark's jars were uploaded once: the second application reuses the same archive, untouched
        assertTrue(r.output().contains("spark.yarn.archive: reusing " + archives[0].getPath()), r.output());
        assertEquals(1, archives().length);
        assertEquals(archives[0].getModificationTime(), archives()[0].getModificationTime());
        assertSameParameters(ref.resolve("model.scnn").toUri().toString(), run + "/model.scnn");
        assertTrue(readHdfs(run + "/metrics.jsonl").contains("\"type\":\"epoch\",\"epoch\":2"), "epoch 2 in metrics.jsonl");
        assertTrue(readHdfs(run + "/report.html").contains("<svg"), "report.html on HDFS");
    }

    /** The Spark jar archives on the cluster (deploy/cnn puts them under the user's HDFS home). */
    private static org.apache.hadoop.fs.FileStatus[] archives() throws java.io.IOException {
        org.apache.hadoop.fs.FileSystem fs = HadoopTestCluster.cluster().fileSystem();
        return fs.listStatus(new org.apache.hadoop.fs.Path(fs.getHomeDirectory(), ".sparkcnn/spark-archives"));
    }

    @Test
    void aFourTrialSweepRunsItsTrialsAsYarnTasksWritingToHdfs(@TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("four.sweep");
        HadoopTestCluster.writeLocal(sweep, "base = " + Path.of(CONFIG).toAbsolutePath().normalize() + "\n"
                + "search = random\ntrials = 4\nseed = 3\ntrials.placement = task\ntrials.parallel = 2\n"
                + "validation.fraction = 0.1\nepochs = 1\nspace.lr = loguniform(1e-3, 1e-2)\n");
        String onYarn = hdfs("/sweeps/four");
        HadoopTestCluster.Run r = deployCnn(Map.of(), 400, args(TWO_EXECUTORS, "sweep", "--master", "yarn", "--sweep", sweep.toString(),
                "--data", hdfs(DATA), "--out", onYarn));
        assertEquals(0, r.code(), r.output());
        for (int t = 1; t <= 4; t++) assertTrue(r.output().contains(String.format("trial-%03d started in single tasks", t)), r.output());
        // Every trial trained on YARN and wrote its model and result on HDFS: bitwise the model the same sweep trains in
        // local[2] from a local copy of the same images.
        Path local = dir.resolve("local");
        String[] l = JobsTest.run("sweep", "--master", "local[2]", "--sweep", sweep.toString(),
                "--data", TestCifar.subset(HadoopTestCluster.PER_CLASS).toString(), "--out", local.toString());
        assertEquals("0", l[0], l[2]);
        for (int t = 1; t <= 4; t++) {
            String trial = String.format("trials/trial-%03d/", t);
            assertTrue(existsHdfs(onYarn + "/" + trial + "model.scnn") && readHdfs(onYarn + "/" + trial + "result.json").contains("\"stop_reason\":\"completed\""),
                    trial + " finished on YARN: " + readHdfs(onYarn + "/" + trial + "result.json"));
            assertSameParameters(local.resolve(trial + "model.scnn").toUri().toString(), onYarn + "/" + trial + "model.scnn");
        }
        assertEquals(5, readHdfs(onYarn + "/results.csv").split("\n").length, "4 trials in results.csv on HDFS");
        for (String f : List.of("results.json", "best.conf", "best-model.scnn", "sweep.html")) assertTrue(existsHdfs(onYarn + "/" + f), f);
    }

    @Test
    void gangScheduledExchangeWithFewerSlotsThanPartitionsStopsWithTheNumbers() {
        // an explicit exchange = stream (one barrier stage per epoch) on too few slots stops with the numbers (auto would fall
        // back to a job per step): 2 partitions, 1 executor
        long t0 = System.nanoTime();
        HadoopTestCluster.Run r = deployCnn(Map.of(), 300, "train", "--master", "yarn", "--num-executors", "1", "--executor-memory", "512m",
                "--config", CONFIG, "--data", hdfs(DATA), "--out", hdfs("/runs/yarn-gang"), "--partitions", "2", "--set", "exchange=stream");
        assertEquals(1, r.code(), r.output());
        assertTrue(r.output().contains("exchange = stream runs all 2 partitions at once, but the cluster offers 1 task slot: "
                + "1 executor x 1 slot (1 executors requested, 1 registered after"), r.output());
        assertTrue((System.nanoTime() - t0) / 1e9 < 240, "failed within the deadline, not after a hang");
    }

    @Test
    void clearErrorsBeforeAnythingRuns() throws Exception {
        // deploy/cnn itself, before it builds or starts anything
        Map<String, String> noHadoop = new HashMap<>();
        noHadoop.put("HADOOP_CONF_DIR", null);
        HadoopTestCluster.Run r = deployCnn(noHadoop, 60, "train", "--master", "yarn", "--data", hdfs(DATA));
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("HADOOP_CONF_DIR") && r.output().contains("YARN_CONF_DIR"), r.output());
        // the checks deploy/cnn's Java launcher makes against the ResourceManager before submitting (in this JVM: faster)
        assertRefused("--queue nosuch: YARN has no such queue; its queues are default", "--queue", "nosuch");
        assertRefused("--executor-memory 4g: each executor needs a YARN container of 4505 MB (4096 MB heap + 409 MB overhead), "
                + "larger than the largest container this cluster allows, 2048 MB (yarn.scheduler.maximum-allocation-mb); use at most 1664m",
                "--executor-memory", "4g");
        assertRefused("--driver-memory 2g: the driver (ApplicationMaster in cluster mode) needs a YARN container of 2432 MB",
                "--deploy-mode", "cluster", "--driver-memory", "2g");
        assertRefused("--executor-cores 3: each executor would need 3 vcores per container, more than the largest container this "
                + "cluster allows, 2 (yarn.scheduler.maximum-allocation-vcores)", "--executor-cores", "3");
        // a gang-scheduled exchange with dynamic allocation is refused before Spark starts
        String[] j = JobsTest.run("train", "--master", "yarn", "--conf", "spark.dynamicAllocation.enabled=true", "--set", "exchange=stream",
                "--config", CONFIG, "--data", hdfs(DATA), "--out", hdfs("/runs/yarn-dyn"));
        assertEquals("2", j[0], j[2]);
        assertTrue(j[2].contains("exchange = stream keeps all partitions' tasks running together for a whole epoch, which dynamic "
                + "allocation cannot guarantee"), j[2]);
        assertFalse(existsHdfs(hdfs("/runs/yarn-dyn")), "nothing was written");
    }

    /** The spark-submit command line deploy/cnn builds for {@code options}, refused with {@code message}. */
    private static void assertRefused(String message, String... options) {
        List<String> a = new ArrayList<>(List.of("--properties-file", Path.of("../conf/spark-defaults.conf").toString(), "--class",
                "dev.sparkcnn.jobs.Cnn", "--master", "yarn"));
        a.addAll(List.of(options));
        a.addAll(List.of("app.jar", "train"));
        Map<String, String> env = Map.of("HADOOP_CONF_DIR", HadoopTestCluster.confDir().getAbsolutePath());
        YarnPreflight.Refused e = org.junit.jupiter.api.Assertions.assertThrows(YarnPreflight.Refused.class,
                () -> YarnSubmit.prepare(a.toArray(new String[0]), env, System.out));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
