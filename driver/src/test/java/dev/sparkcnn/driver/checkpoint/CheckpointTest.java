package dev.sparkcnn.driver.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file format: round trip, and every kind of damage refused with the file named. */
class CheckpointTest {

    private static ModelFile sample() {
        return new ModelFile("checkpoint").text("spec", "input 3x32x32\nfc units=10\n").floats("params", new float[] {1.5f, -2f, 3e-8f})
                .longs("progress", 7, 1, 2, 7);
    }

    @Test
    void roundTripThroughTheStore(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        store.save(5, sample());
        store.save(10, sample().longs("progress", 10, 2, 0, 10));
        store.save(15, sample().longs("progress", 15, 3, 0, 15));
        assertEquals(2, store.list().size(), "keeps the newest two");
        ModelFile latest = store.latest();
        assertArrayEquals(new long[] {15, 3, 0, 15}, latest.longs("progress"));
        assertArrayEquals(new float[] {1.5f, -2f, 3e-8f}, latest.floats("params"));
        assertEquals("input 3x32x32\nfc units=10\n", latest.text("spec"));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void truncatedFlippedAndForeignFilesAreRefused(@TempDir Path dir) throws Exception {
        byte[] good = sample().toBytes();
        String m = assertThrows(CheckpointException.class,
                () -> ModelFile.fromBytes(java.util.Arrays.copyOf(good, good.length - 5), "ck.scnn", "checkpoint")).getMessage();
        assertTrue(m.contains("ck.scnn") && (m.contains("truncated") || m.contains("corrupt")), m);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        m = assertThrows(CheckpointException.class, () -> ModelFile.fromBytes(flipped, "ck.scnn", "checkpoint")).getMessage();
        assertTrue(m.contains("ck.scnn") && (m.contains("checksum") || m.contains("corrupt") || m.contains("truncated")), m);
        m = assertThrows(CheckpointException.class,
                () -> ModelFile.fromBytes("PK\u0003\u0004 a zip file, not ours".getBytes(), "x.zip", "checkpoint")).getMessage();
        assertTrue(m.contains("x.zip") && m.contains("not a spark-cnn checkpoint"), m);
        m = assertThrows(CheckpointException.class,
                () -> ModelFile.fromBytes(new ModelFile("model").toBytes(), "m.scnn", "checkpoint")).getMessage();
        assertTrue(m.contains("is a model file, expected a checkpoint"), m);

        // a corrupt newest checkpoint makes resume refuse (naming it), rather than silently fall back
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 3);
        store.save(1, sample());
        String newest = store.save(2, sample());
        Path file = Path.of(new org.apache.hadoop.fs.Path(newest).toUri().getPath());
        Files.write(file, java.util.Arrays.copyOf(Files.readAllBytes(file), 40));
        m = assertThrows(CheckpointException.class, store::latest).getMessage();
        assertTrue(m.contains("ckpt-00000002.scnn") && m.contains("ckpt-00000001.scnn"), m);
    }
}
