package dev.sparkcnn.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every file of a directory tree with its bytes, to show that a command left a run directory exactly as it was. */
record RunDirectory(Path root, Map<String, byte[]> files) {

    static RunDirectory snapshot(Path root) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String name = root.relativize(p).toString() + (Files.isDirectory(p) ? "/" : "");
                files.put(name, Files.isDirectory(p) ? new byte[0] : Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RunDirectory(root, files);
    }

    /** Fails naming the first file added, removed or changed since this snapshot. */
    void assertUnchanged(String after) {
        RunDirectory now = snapshot(root);
        assertEquals(files.keySet(), now.files.keySet(), "files of " + root + " after " + after);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertTrue(Arrays.equals(e.getValue(), now.files.get(e.getKey())), root.resolve(e.getKey()) + " changed by " + after);
        }
    }
}
