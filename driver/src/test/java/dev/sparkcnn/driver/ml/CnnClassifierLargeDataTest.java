package dev.sparkcnn.driver.ml;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CnnClassifier.fit on a training set larger than the driver's heap: a driver JVM with -Xmx192m on
 * a local-cluster whose two executors are JVMs of their own fits 20,000 images of 3x64x64
 * (245 MB as uint8). Collecting them, as fit once did, would fail with OutOfMemoryError.
 */
class CnnClassifierLargeDataTest {

    @Test
    void fitsATrainingSetLargerThanTheDriverHeap(@TempDir Path tmp) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> absolute = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) if (!e.isBlank()) absolute.add(Path.of(e).toAbsolutePath().toString());
        String classpath = String.join(File.pathSeparator, absolute);
        Path home = tmp.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));   // executors take their classes from spark.executor.extraClassPath
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx192m"));
        cmd.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptions().split(" ")));
        cmd.addAll(List.of("-cp", classpath, LargerThanDriverHeap.class.getName(), "20000", classpath));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("driver.log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.directory(tmp.toFile());
        Process p = pb.start();
        boolean finished = p.waitFor(240, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly();
        String log = Files.readString(tmp.resolve("driver.log"));
        String tail = log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        assertTrue(finished, "the driver did not finish in 240 s:\n" + tail);
        assertEquals(0, p.exitValue(), tail);
        Matcher m = Pattern.compile("RESULT images=(\\d+) imageBytes=(\\d+) driverMaxHeap=(\\d+) classes=(\\d+)").matcher(log);
        assertTrue(m.find(), tail);
        long bytes = Long.parseLong(m.group(2)), heap = Long.parseLong(m.group(3));
        System.out.printf("fit on %,d bytes of images with a driver heap of %,d bytes%n", bytes, heap);
        assertTrue(bytes > heap, "the training set (" + bytes + " bytes) must be larger than the driver's heap (" + heap + ")");
        assertEquals(10, Integer.parseInt(m.group(4)));
    }
}
