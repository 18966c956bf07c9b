package dev.sparkcnn.kernels.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * Small real CIFAR-10 subsets for tests, made once per build by the shared converter
 * ({@code java <shared>/datasets/cifar10/PrepareCifar10.java DIR --limit-per-class N}) into
 * {@code target/test-data/cifar10-N} and reused by every test class and module. The shared folder
 * comes from the system property {@code sparkcnn.shared.dir} (surefire sets it to {@code ../shared});
 * without it the tests fail, saying so, rather than skip.
 */
public final class TestCifar {

    private TestCifar() {
    }

    /** A directory with data_batch_1..5.bin (N*10 images in all) and test_batch.bin (N per class). */
    public static synchronized Path subset(int perClass) {
        String shared = System.getProperty("sparkcnn.shared.dir");
        if (shared == null) {
            throw new IllegalStateException("system property sparkcnn.shared.dir is not set: run the tests through Maven "
                    + "(it points it at ../shared, where datasets/cifar10 is)");
        }
        Path converter = Paths.get(shared, "datasets", "cifar10", "PrepareCifar10.java");
        if (!Files.isRegularFile(converter)) {
            throw new IllegalStateException("no CIFAR-10 converter at " + converter + " (sparkcnn.shared.dir=" + shared + ")");
        }
        String base = System.getProperty("sparkcnn.test.data.dir", Paths.get("target", "test-data").toString());
        Path dir = Paths.get(base, "cifar10-" + perClass);
        Path done = dir.resolve(".complete");
        if (Files.exists(done)) return dir;
        try {
            Files.createDirectories(dir);
            String java = ProcessHandle.current().info().command()
                    .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            Path log = dir.resolve("converter.log");
            Process p = new ProcessBuilder(java, converter.toString(), dir.toString(), "--limit-per-class", String.valueOf(perClass))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the CIFAR-10 converter did not finish within 120 s: " + Files.readString(log));
            }
            if (p.exitValue() != 0) throw new IllegalStateException("the CIFAR-10 converter failed: " + Files.readString(log));
            Files.createFile(done);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
