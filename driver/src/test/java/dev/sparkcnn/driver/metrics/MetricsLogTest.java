package dev.sparkcnn.driver.metrics;

import dev.sparkcnn.driver.checkpoint.RecordingFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A resumed run's metrics are added to the file, never rewritten: a crash cannot lose the history. */
class MetricsLogTest {

    private static final String HISTORY = "{\"step\":1}\n{\"step\":2}\n";

    @Test
    void resumingAppendsAndAFreshRunStartsTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, HISTORY);
        try (MetricsLog log = new MetricsLog(file.toString(), new Configuration(), true)) {
            assertEquals(HISTORY, Files.readString(file), "opening changes nothing");
            log.write(Map.of("step", 3));
            assertEquals(HISTORY + "{\"step\":3}\n", Files.readString(file), "a record is on disk as soon as it is written");
        }
        try (MetricsLog log = new MetricsLog(file.toString(), new Configuration(), false)) {
            log.write(Map.of("step", 1));
        }
        assertEquals("{\"step\":1}\n", Files.readString(file));
        try (MetricsLog log = new MetricsLog(dir.resolve("never.jsonl").toString(), new Configuration(), false)) {
            assertFalse(Files.exists(dir.resolve("never.jsonl")), "a run that writes nothing creates nothing");
        }
    }

    @Test
    void aCrashWhileResumingLeavesTheHistory(@TempDir Path dir) throws Exception {
        // a file system that dies in the middle of rewriting a file (truncated, then gone): rewriting would lose it all
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, HISTORY + "{\"step\":3, cut short");
        try (MetricsLog log = new MetricsLog("crashing://" + file, RecordingFileSystem.conf(), true)) {
            log.write(Map.of("step", 3));
        }
        assertEquals(HISTORY + "{\"step\":3, cut short\n{\"step\":3}\n", Files.readString(file), "appended, on a line of its own");
        MetricsLog fresh = new MetricsLog("crashing://" + file, RecordingFileSystem.conf(), false);
        assertThrows(java.io.UncheckedIOException.class, () -> fresh.write(Map.of("step", 1)), "the test file system does crash");
    }

    @Test
    void withoutAppendTheHistoryIsCopiedAndReplacedOnClose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, HISTORY);
        try (MetricsLog log = new MetricsLog("noappend://" + file, RecordingFileSystem.conf(), true)) {
            log.write(Map.of("step", 3));
            assertEquals(HISTORY, Files.readString(file), "the old file stays whole until the new one replaces it");
        }
        assertEquals(HISTORY + "{\"step\":3}\n", Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }
}
