package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.RpcTimeout;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming exchange on Spark (the shared local[4,2] context, 4 task slots): the slot check,
 * hostile peers on the driver's RpcEnv while a run trains, what the UI sees, and no thread or socket
 * leaked over many epochs. Cross-JVM authentication and encryption: {@link StreamExchangeClusterTest}.
 */
class StreamExchangeTest {

    private static TrainConfig config(String exchange, int epochs) {
        // 100 images, batch 20: 5 steps per epoch
        return TrainConfig.builder()
                .set("model", TrainingFixture.BN_DROPOUT).set("batch.size", 20).set("epochs", epochs)
                .set("lr", 0.02).set("seed", 5).set("data.shards", 8).set("augment", true).set("eval.every", 0)
                .set("exchange", exchange).set("exchange.timeout", 20).build();
    }

    private static float[] params(Trainer t) {
        float[] p = t.params(), s = t.state();
        float[] all = Arrays.copyOf(p, p.length + s.length);
        System.arraycopy(s, 0, all, p.length, s.length);
        return all;
    }

    private static float[] run(TrainConfig cfg, int partitions) {
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        try (SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), TrainingFixture.train(), null, cfg, spec.text(),
                partitions)) {
            Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
            t.run();
            return params(t);
        }
    }

    @Test
    void morePartitionsThanSlotsFailWithTheNumbersOrFallBackToAJobPerStep() {
        JavaSparkContext jsc = SparkTestContext.get();
        long t0 = System.nanoTime();
        ConfigException e = assertThrows(ConfigException.class, () -> GangScheduling.resolve(jsc, config("stream", 1), 5));
        assertTrue(e.getMessage().startsWith("exchange = stream runs all 5 partitions at once, but the cluster offers 4 task slots: "
                + "master local[4,2]. Lower --partitions to 4"), e.getMessage());
        GangScheduling.Resolution auto = GangScheduling.resolve(jsc, config("auto", 1), 5);
        assertEquals("job", auto.exchange());
        assertTrue(auto.reason().contains("5 partitions at once, but the cluster offers 4 task slots") && auto.reason().endsWith(
                "one Spark job per step instead"), auto.reason());
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "decided at once, before anything runs");
        assertEquals("stream", GangScheduling.resolve(jsc, config("auto", 1), 4).exchange());
        assertEquals("job", GangScheduling.resolve(jsc, config("auto", 1).with("sync", "average"), 4).exchange());
        // and a run with the fallback trains (one job per step) instead of hanging
        TrainConfig cfg = config("auto", 1).with("max.steps", 2);
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        try (SparkGradientSource src = new SparkGradientSource(jsc, TrainingFixture.train(), null, cfg, spec.text(), 5)) {
            assertEquals("job", src.exchange().exchange());
            new Trainer(cfg, spec, src, src.normalization(), null, null, null).run();
        }
    }

    @Test
    void dynamicAllocationIsRefusedForAnExplicitStreamOnly() {
        List<String> dynamic = List.of("spark.executor.memory=1g", "spark.dynamicAllocation.enabled = true");
        String m = GangScheduling.dynamicAllocationConflict(config("stream", 1), dynamic);
        assertTrue(m != null && m.startsWith("exchange = stream keeps all partitions' tasks running together for a whole epoch, "
                + "which dynamic allocation cannot guarantee") && m.contains("use exchange = auto or job"), m);
        assertEquals(null, GangScheduling.dynamicAllocationConflict(config("auto", 1), dynamic), "auto falls back instead");
        assertEquals(null, GangScheduling.dynamicAllocationConflict(config("stream", 1), List.of("spark.executor.memory=1g")));
    }

    @Test
    void hostilePeersAreRefusedAndTrainingEndsWithTheCleanParameters() throws Exception {
        JavaSparkContext jsc = SparkTestContext.get();
        TrainConfig cfg = config("stream", 6);
        float[] clean = run(cfg.with("exchange", "job"), 2);

        JobWatcher watcher = new JobWatcher();
        jsc.sc().addSparkListener(watcher);
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        SparkGradientSource src = new SparkGradientSource(jsc, TrainingFixture.train(), null, cfg, spec.text(), 2);
        Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
        CompletableFuture<Void> training = CompletableFuture.runAsync(t::run);
        List<String> outcomes = new ArrayList<>();
        RpcEnv client = null;
        try (Socket idle = new Socket(); Socket garbage = new Socket()) {
            while (src.exchangeEndpoint() == null && !training.isDone()) Thread.sleep(5);
            org.apache.spark.rpc.RpcAddress driver = jsc.sc().env().rpcEnv().address();
            // raw connections to the driver's RPC port: one that never sends or reads, one that sends garbage
            idle.connect(new java.net.InetSocketAddress(driver.host(), driver.port()));
            garbage.connect(new java.net.InetSocketAddress(driver.host(), driver.port()));
            OutputStream out = garbage.getOutputStream();
            byte[] junk = new byte[4096];
            new java.util.Random(1).nextBytes(junk);
            out.write(junk);
            out.flush();
            // an RPC client that reaches the endpoint (no spark.authenticate here: Spark's RPC is open to it)
            SparkConf conf = new SparkConf(false);
            client = RpcEnv.create("hostile", "127.0.0.1", 0, conf, new org.apache.spark.SecurityManager(conf, scala.Option.empty(),
                    org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE()), true);
            RpcEndpointRef ref = client.setupEndpointRef(driver, src.exchangeEndpoint());
            int session = 1;
            ref.send("one-way garbage");
            outcomes.add(ask(ref, "garbage"));
            outcomes.add(ask(ref, new byte[] {1, 2, 3}));
            byte[] join = StreamExchange.join(session, 0, 0, 0, 1);
            outcomes.add(ask(ref, Arrays.copyOf(join, 1 << 20)));   // a join of 1 MiB
            StepResult bogus = new StepResult(7, 1);
            outcomes.add(ask(ref, StreamExchange.result(session, 0, 0, 0, 1, 0, bogus)));   // wrong lengths
            outcomes.add(ask(ref, StreamExchange.join(session, 0, 0, 99, 424242)));   // a task Spark does not run
            training.get(120, TimeUnit.SECONDS);
        } finally {
            if (client != null) client.shutdown();
            jsc.sc().removeSparkListener(watcher);
        }
        List<String> refusals = src.exchangeRefusals();
        src.close();
        System.out.println("hostile peers: " + outcomes + "\nrefused: " + refusals);
        assertArrayEquals(clean, params(t), "training ended with the clean run's parameters");
        for (String o : outcomes.subList(0, 4)) assertTrue(o.startsWith("refused"), outcomes.toString());
        assertTrue(outcomes.get(4).startsWith("refused") || outcomes.get(4).equals("told the epoch is over"), outcomes.toString());
        assertFalse(outcomes.contains("sent a step"), "no hostile peer was ever given the parameters");
        assertTrue(refusals.stream().anyMatch(r -> r.contains("one-way message")), refusals.toString());
        assertTrue(refusals.stream().anyMatch(r -> r.contains("a join of 1048576 bytes; expected exactly 29")), refusals.toString());
        // what the UI shows: job groups name the epoch and a counter, nothing else
        for (String g : watcher.groups) assertTrue(g.matches("spark-cnn-epoch-\\d+-job-\\d+"), g);
        assertEquals(6, watcher.groups.size(), "one barrier job per epoch: " + watcher.groups);
    }

    /** What an ask of a hostile peer came to. */
    private static String ask(RpcEndpointRef ref, Object message) {
        try {
            Object o = ref.askSync(message, new RpcTimeout(scala.concurrent.duration.FiniteDuration.apply(30, TimeUnit.SECONDS), "test"),
                    scala.reflect.ClassTag$.MODULE$.Any());
            if (o instanceof byte[] b && b.length == 1 && b[0] == StreamExchange.DONE) return "told the epoch is over";
            return o instanceof byte[] b && b[0] == StreamExchange.STEP ? "sent a step" : "answered " + o;
        } catch (Exception e) {
            return "refused: " + e.getMessage();
        }
    }

    /** The job groups, descriptions and properties every job of a run shows in the UI and event log. */
    static final class JobWatcher extends SparkListener {
        final List<String> groups = Collections.synchronizedList(new ArrayList<>());
        final List<String> shown = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onJobStart(SparkListenerJobStart e) {
            if (e.properties() == null) return;
            String g = e.properties().getProperty("spark.jobGroup.id");
            if (g != null && g.startsWith("spark-cnn-epoch")) groups.add(g);
            for (String k : e.properties().stringPropertyNames()) shown.add(k + "=" + e.properties().getProperty(k));
        }
    }

    @Test
    void threadsAndSocketsAreTheSameAfterTwentyEpochsAsAfterTwo() throws Exception {
        run(config("stream", 2), 2);   // warm: Spark's own pools reach their size
        int threads2 = liveThreads(), files2 = openFiles();
        run(config("stream", 20), 2);
        int threads20 = liveThreads(), files20 = openFiles();
        java.util.Map<String, Long> names = new java.util.TreeMap<>();
        for (Thread x : Thread.getAllStackTraces().keySet()) names.merge(x.getName().replaceAll("\\d+", "#"), 1L, Long::sum);
        System.out.println("threads by name: " + names);
        System.out.printf("after 2 epochs: %d threads, %d open files; after 20 more: %d threads, %d open files%n",
                threads2, files2, threads20, files20);
        assertTrue(threads20 <= threads2, "threads: " + threads2 + " after 2 epochs, " + threads20 + " after 20");
        assertTrue(files20 <= files2, "open files and sockets: " + files2 + " after 2 epochs, " + files20 + " after 20");
        assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().startsWith("spark-cnn-")).count(),
                "no thread of the exchange outlives its run");
    }

    /**
     * Live threads once the ones that are ending have ended, leaving out Spark's cached pools whose size follows
     * the cleaner's backlog, not the number of epochs: the block manager's ask and storage pools (each capped at
     * 100 threads by Spark, idle threads end after 60 s; every epoch's shuffle is cleaned through them) and
     * idle executor task threads.
     */
    private static int liveThreads() throws InterruptedException {
        Thread.sleep(300);
        return (int) Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("block-manager-ask-thread-pool") && !t.getName().startsWith(
                        "block-manager-storage-async-thread-pool") && !t.getName().startsWith("Executor task idle worker"))
                .count();
    }

    private static int openFiles() throws java.io.IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
