package dev.sparkcnn.jobs.hadoop;

import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.hadoop.LocalHadoopCluster;
import dev.sparkcnn.jobs.JobsTest;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tests' Hadoop: one {@link LocalHadoopCluster} (HDFS + YARN with 2 NodeManagers, the cluster
 * deploy/hadoop/start runs) for the whole test JVM, started by the first test class that uses this
 * extension and stopped when all tests are done. Also what every HDFS/YARN test needs around it: a
 * real CIFAR-10 subset on HDFS, the local[2] reference runs the cluster runs must equal bit for bit,
 * an application jar built as the shade plugin would, and {@code deploy/cnn} run as a user runs it.
 */
public final class HadoopTestCluster implements BeforeAllCallback {

    /** 60 images per class: 600 training images, 18 steps of 32 per epoch with quick-test.conf. */
    static final int PER_CLASS = 60;
    static final String CONFIG = "../conf/train/quick-test.conf";
    static final String DATA = "/data/cifar10";

    private static LocalHadoopCluster cluster;
    private static File confDir;
    private static java.nio.file.Path reference;
    private static java.nio.file.Path appJar;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(HadoopTestCluster.class, k -> new Stopper(), Stopper.class);
    }

    /** Stops the cluster once every test class has run. */
    private static final class Stopper implements ExtensionContext.Store.CloseableResource {
        Stopper() {
            cluster();
        }

        @Override
        public void close() {
            synchronized (HadoopTestCluster.class) {
                if (cluster != null) cluster.close();
                cluster = null;
            }
        }
    }

    static synchronized LocalHadoopCluster cluster() {
        if (cluster != null) return cluster;
        try {
            java.nio.file.Path work = java.nio.file.Path.of("target", "hadoop-test").toAbsolutePath();
            deleteRecursively(work);
            long t0 = System.nanoTime();
            cluster = LocalHadoopCluster.start(new LocalHadoopCluster.Settings(work.toFile(), 2, 2048, 2, true));
            confDir = cluster.writeConfDir(work.resolve("conf").toFile());
            FileSystem fs = cluster.fileSystem();
            fs.copyFromLocalFile(false, true, new Path(TestCifar.subset(PER_CLASS).toUri()), new Path(DATA));
            System.out.printf("local Hadoop cluster for the tests up in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, cluster);
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A fully qualified URI on the test HDFS. */
    static String hdfs(String path) {
        return cluster().defaultFs() + path;
    }

    static Configuration conf() {
        return cluster().clientConf();
    }

    static File confDir() {
        cluster();
        return confDir;
    }

    /**
     * The local[2] reference: quick-test.conf (LeNet-5, Adam, constant lr, batch 32, 4 shards), 2 epochs,
     * 2 partitions, on the local copy of the same images; its checkpoints hold epoch 1's parameters.
     */
    static synchronized java.nio.file.Path reference() {
        if (reference != null) return reference;
        java.nio.file.Path run = java.nio.file.Path.of("target", "hadoop-test-reference").toAbsolutePath();
        deleteRecursively(run);
        String[] r = JobsTest.run("train", "--config", CONFIG, "--data", TestCifar.subset(PER_CLASS).toString(), "--out", run.toString(),
                "--master", "local[2]", "--partitions", "2");
        assertEquals("0", r[0], r[2]);
        reference = run;
        return run;
    }

    /** Parameters and batch-norm state of a model file or a checkpoint, anywhere. */
    static float[][] parameters(String modelOrCheckpoint) {
        Configuration c = conf();
        if (modelOrCheckpoint.endsWith(".scnn") && modelOrCheckpoint.contains("/checkpoints/")) {
            dev.sparkcnn.driver.checkpoint.ModelFile f = dev.sparkcnn.driver.checkpoint.ModelFile.fromBytes(
                    dev.sparkcnn.driver.checkpoint.CheckpointStore.readAll(new Path(modelOrCheckpoint), c), modelOrCheckpoint, "checkpoint");
            return new float[][] {f.floats("params"), f.floats("state")};
        }
        SavedModel m = SavedModel.load(modelOrCheckpoint, c);
        return new float[][] {m.params(), m.state()};
    }

    /** Asserts bitwise equality of two models' parameters (float == float, no tolerance). */
    static void assertSameParameters(String expected, String actual) {
        float[][] e = parameters(expected), a = parameters(actual);
        assertArrayEquals(e[0], a[0], 0f, actual + " has other parameters than " + expected);
        assertArrayEquals(e[1], a[1], 0f, actual + " has another batch-norm state than " + expected);
    }

    /**
     * The application jar deploy/cnn ships, built from this build's classes and the application's
     * own dependencies (EJML, picocli) as the shade plugin builds it at package time (after the tests).
     */
    static synchronized java.nio.file.Path appJar() {
        if (appJar != null) return appJar;
        try {
            List<String> parts = new ArrayList<>(List.of(java.nio.file.Path.of("target", "classes").toAbsolutePath().toString()));
            parts.addAll(List.of(Files.readString(java.nio.file.Path.of("target", "test-app-classpath.txt")).trim().split(File.pathSeparator)));
            java.nio.file.Path jar = java.nio.file.Path.of("target", "hadoop-test-app.jar").toAbsolutePath();
            Set<String> seen = new HashSet<>();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                for (String part : parts) {
                    java.nio.file.Path p = java.nio.file.Path.of(part);
                    if (Files.isDirectory(p)) {
                        try (Stream<java.nio.file.Path> files = Files.walk(p)) {
                            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
                                String name = p.relativize(f).toString().replace(File.separatorChar, '/');
                                try (InputStream in = Files.newInputStream(f)) {
                                    add(out, seen, name, in);
                                }
                            }
                        }
                    } else if (part.endsWith(".jar")) {
                        try (JarFile j = new JarFile(p.toFile())) {
                            for (JarEntry e : (Iterable<JarEntry>) j.stream()::iterator) {
                                if (e.isDirectory()) continue;
                                try (InputStream in = j.getInputStream(e)) {
                                    add(out, seen, e.getName(), in);
                                }
                            }
                        }
                    }
                }
            }
            appJar = jar;
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(JarOutputStream out, Set<String> seen, String name, InputStream in) throws IOException {
        if (name.startsWith("META-INF/") && (name.endsWith(".SF") || name.endsWith(".DSA") || name.endsWith(".RSA")
                || name.equals("META-INF/MANIFEST.MF")) || name.endsWith("module-info.class") || !seen.add(name)) {
            return;
        }
        out.putNextEntry(new JarEntry(name));
        in.transferTo(out);
        out.closeEntry();
    }

    /** The outcome of a deploy/cnn run: exit code and everything it printed. */
    record Run(int code, String output) {
    }

    /**
     * Runs {@code deploy/cnn args} as a user would, with HADOOP_CONF_DIR pointing at the test cluster
     * (unless {@code env} says otherwise: a null value removes a variable), this build's application
     * jar and Spark's jars, a 1 GB client JVM, and a deadline.
     */
    static Run deployCnn(Map<String, String> env, long timeoutSeconds, String... args) {
        try {
            java.nio.file.Path root = java.nio.file.Path.of("..").toAbsolutePath().normalize();
            List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("deploy/cnn").toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Map<String, String> e = pb.environment();
            e.remove("SPARK_HOME");
            e.remove("YARN_CONF_DIR");
            e.put("HADOOP_CONF_DIR", confDir().getAbsolutePath());
            e.put("CNN_APP_JAR", appJar().toString());
            e.put("CNN_SPARK_CLASSPATH", java.nio.file.Path.of("target", "spark-classpath.txt").toAbsolutePath().toString());
            e.put("CNN_DRIVER_MEMORY", "1g");
            e.put("SPARK_LOCAL_IP", "127.0.0.1");
            for (Map.Entry<String, String> kv : env.entrySet()) {
                if (kv.getValue() == null) e.remove(kv.getKey());
                else e.put(kv.getKey(), kv.getValue());
            }
            java.nio.file.Path log = Files.createTempFile(java.nio.file.Path.of("target").toAbsolutePath(), "deploy-cnn-", ".log");
            pb.redirectOutput(log.toFile());
            long t0 = System.nanoTime();
            Process p = pb.start();
            LAST_LOG = log;
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("deploy/cnn " + String.join(" ", args) + " did not finish within " + timeoutSeconds
                        + " s; it printed:\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.printf("deploy/cnn %s -> %d in %.1f s%n%s%n", String.join(" ", args), p.exitValue(), (System.nanoTime() - t0) / 1e9, out);
            return new Run(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The output file of the deploy/cnn run started last (for tests that watch a run from another thread). */
    static volatile java.nio.file.Path LAST_LOG;

    /** Container JVMs of the test cluster now running (children of its NodeManagers, i.e. of this JVM) whose command line contains {@code mainClass}. */
    static List<ProcessHandle> containers(String mainClass) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains(mainClass) && !c.contains("launch_container")).orElse(false))
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .toList();
    }

    static String readHdfs(String path) throws IOException {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem(conf()).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static boolean existsHdfs(String path) throws IOException {
        Path p = new Path(path);
        return p.getFileSystem(conf()).exists(p);
    }

    static void writeLocal(java.nio.file.Path file, String text) throws IOException {
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    static void deleteRecursively(java.nio.file.Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<java.nio.file.Path> s = Files.walk(dir)) {
            for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
