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

    /** A valid file (correct checksum) whose named section declares {@code len} values of its type. */
    private static byte[] forged(String section, int len) {
        byte[] good = sample().toBytes();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(good);
        // find the section's name, then its type byte and length
        byte[] name = section.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = -1;
        for (int i = 0; i + name.length < good.length && at < 0; i++) {
            if (good[i] == 0 && good[i + 1] == name.length && java.util.Arrays.equals(java.util.Arrays.copyOfRange(good, i + 2, i + 2 + name.length), name)) {
                at = i + 2 + name.length + 1;
            }
        }
        b.putInt(at, len);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(good, 0, good.length - 8);
        b.putLong(good.length - 8, crc.getValue());
        return good;
    }

    @Test
    void lengthsAreBoundsCheckedBeforeAnythingIsAllocated() {
        // float and long sections whose declared lengths are far beyond the file (2^29 floats once overflowed len * 4)
        for (String[] c : new String[][] {{"params", String.valueOf(1 << 29)}, {"params", String.valueOf(Integer.MAX_VALUE)},
                {"progress", "100000000"}, {"spec", "-5"}}) {
            byte[] bytes = forged(c[0], Integer.parseInt(c[1]));
            String m = assertThrows(CheckpointException.class, () -> ModelFile.fromBytes(bytes, "forged.scnn", "checkpoint")).getMessage();
            assertTrue(m.contains("forged.scnn") && m.contains("section '" + c[0] + "' declares " + c[1]) && m.contains("corrupt"), m);
        }
    }

    @Test
    void theChecksumIsVerifiedBeforeAnyLengthIsRead() {
        byte[] bytes = sample().toBytes();
        // damage the length of the first section without fixing the checksum: refused as a damaged file, nothing parsed
        java.nio.ByteBuffer.wrap(bytes).putInt(8 + 4 + 2 + "checkpoint".length() + 4 + 2 + "spec".length() + 1, 1 << 29);
        String m = assertThrows(CheckpointException.class, () -> ModelFile.fromBytes(bytes, "damaged.scnn", "checkpoint")).getMessage();
        assertTrue(m.contains("damaged.scnn") && m.contains("checksum mismatch") && !m.contains("section"), m);
        m = assertThrows(CheckpointException.class, () -> ModelFile.fromBytes(new byte[0], "empty.scnn", "model")).getMessage();
        assertTrue(m.contains("empty.scnn") && m.contains("only 0 bytes"), m);
    }

    @Test
    void aMissingSectionNamesTheFile() {
        ModelFile f = ModelFile.fromBytes(new ModelFile("model").text("spec", "x").toBytes(), "runs/a/model.scnn", "model");
        String m = assertThrows(CheckpointException.class, () -> f.floats("params")).getMessage();
        assertTrue(m.contains("runs/a/model.scnn has no section 'params'"), m);
    }

    @Test
    void replacingAFileNeverDeletesIt(@TempDir Path dir) throws Exception {
        // rename(2) replaces atomically: at every moment the file is the old one or the new one, never missing
        Path file = dir.resolve("model.scnn");
        Files.writeString(file, "old");
        RecordingFileSystem.DELETES.clear();
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path("recording://" + file);
        CheckpointStore.writeAtomically(target, "new".getBytes(), RecordingFileSystem.conf());
        assertEquals("new", Files.readString(file));
        assertEquals(java.util.List.of(), RecordingFileSystem.DELETES, "no delete of the file being replaced");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        // and through the default (file:) path too
        CheckpointStore.writeAtomically(new org.apache.hadoop.fs.Path(file.toString()), "newer".getBytes(), new Configuration());
        assertEquals("newer", Files.readString(file));
    }
}
