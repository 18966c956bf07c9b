package dev.sparkcnn.kernels.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CifarBlock on generated files in the CIFAR-10 binary layout: every pixel lands where the
 * layout says, normalisation follows its formula, channel statistics match a direct
 * computation, and truncated, empty and mislabelled files are refused with messages that name
 * the file and the problem.
 */
class CifarBlockTest {

    @TempDir
    Path dir;

    /** A deterministic pixel value for (record, channel, row, column), different in each coordinate. */
    private static int pixelValue(int i, int c, int y, int x) {
        return (i * 37 + c * 101 + y * 7 + x * 3) & 0xff;
    }

    /** n records with labels (first + i) % 10, written the way the CIFAR-10 binaries are. */
    static byte[] records(int n, int first) {
        byte[] data = new byte[n * CifarRecords.RECORD_BYTES];
        for (int i = 0; i < n; i++) {
            int r = i * CifarRecords.RECORD_BYTES;
            data[r] = (byte) ((first + i) % 10);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        data[r + 1 + c * 1024 + y * 32 + x] = (byte) pixelValue(i, c, y, x);
                    }
                }
            }
        }
        return data;
    }

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void layoutConstants() {
        assertEquals(3073, CifarRecords.RECORD_BYTES);
        assertEquals(3072, CifarRecords.IMAGE_BYTES);
        assertEquals(1024, CifarRecords.PLANE_BYTES);
        assertEquals(10, CifarRecords.CLASSES);
        assertEquals(10, CifarClasses.NAMES.size());
        assertEquals("airplane", CifarClasses.name(0));
        assertEquals("truck", CifarClasses.name(9));
        assertEquals(3, CifarClasses.labelOf("cat"));
        assertThrows(IllegalArgumentException.class, () -> CifarClasses.name(10));
    }

    @Test
    void readsPixelsAndLabelsWhereTheLayoutPutsThem() throws IOException {
        CifarBlock block = CifarBlock.read(write("data_batch_1.bin", records(13, 4)));
        assertEquals(13, block.size());
        for (int i = 0; i < 13; i++) {
            assertEquals((4 + i) % 10, block.label(i));
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y += 5) {
                    for (int x = 0; x < 32; x += 3) {
                        assertEquals(pixelValue(i, c, y, x), block.pixel(i, c, y, x), "image " + i + " c" + c + " y" + y + " x" + x);
                    }
                }
            }
        }
        int[] labels = new int[6];
        block.copyLabels(10, 3, labels, 2);
        assertArrayEquals(new int[] {0, 0, 4, 5, 6, 0}, labels);
        int[] counts = block.labelCounts();
        assertEquals(13, Arrays.stream(counts).sum());
        assertEquals(2, counts[4]);
        assertEquals(1, counts[3]);
    }

    @Test
    void toFloatNormalisesPerChannel() throws IOException {
        CifarBlock block = CifarBlock.fromBytes(records(3, 0), "generated");
        float[] mean = {0.5f, 0.4f, 0.3f};
        float[] std = {0.25f, 0.2f, 0.1f};
        float[] dst = new float[1 + 3072 + 1];
        block.toFloat(2, dst, 1, mean, std);
        assertEquals(0f, dst[0]);
        assertEquals(0f, dst[3073]);
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    double expected = (pixelValue(2, c, y, x) / 255.0 - mean[c]) / std[c];
                    worst = Math.max(worst, Math.abs(dst[1 + c * 1024 + y * 32 + x] - expected));
                }
            }
        }
        System.out.printf("toFloat: largest difference from (p/255 - mean)/std: %.3e%n", worst);
        assertTrue(worst < 1e-6, "largest difference " + worst);

        block.toFloat(1, dst, 0, null, null);
        assertEquals(pixelValue(1, 2, 3, 4) / 255f, dst[2 * 1024 + 3 * 32 + 4], 1e-7f);

        float[] batch = new float[2 * 3072];
        block.toFloat(1, 2, batch, 0, mean, std);
        float[] single = new float[3072];
        block.toFloat(2, single, 0, mean, std);
        assertArrayEquals(single, Arrays.copyOfRange(batch, 3072, 6144), 0f);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> block.toFloat(0, new float[3072], 1, mean, std));
        assertTrue(e.getMessage().contains("3072"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> block.toFloat(0, dst, 0, mean, null));
        assertTrue(e.getMessage().contains("mean") && e.getMessage().contains("std"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> block.toFloat(3, dst, 0, null, null));
    }

    @Test
    void channelStatisticsMatchDirectComputation() {
        CifarBlock block = CifarBlock.fromBytes(records(7, 0), "generated");
        CifarBlock.ChannelStats stats = block.channelMeanStd();
        for (int c = 0; c < 3; c++) {
            double s = 0, q = 0;
            int count = 0;
            for (int i = 0; i < 7; i++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        double v = pixelValue(i, c, y, x) / 255.0;
                        s += v;
                        count++;
                    }
                }
            }
            double mean = s / count;
            for (int i = 0; i < 7; i++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        double dv = pixelValue(i, c, y, x) / 255.0 - mean;
                        q += dv * dv;
                    }
                }
            }
            assertEquals(mean, stats.mean()[c], 1e-12, "mean of channel " + c);
            assertEquals(Math.sqrt(q / count), stats.std()[c], 1e-12, "std of channel " + c);
        }
        // normalising with the block's own statistics gives mean 0, std 1 per channel
        float[] all = new float[7 * 3072];
        block.toFloat(0, 7, all, 0, stats.meanAsFloats(), stats.stdAsFloats());
        double s = 0, q = 0;
        for (int i = 0; i < 7; i++) {
            for (int k = 0; k < 1024; k++) {
                double v = all[i * 3072 + 1024 + k];   // green
                s += v;
                q += v * v;
            }
        }
        assertEquals(0, s / 7168, 1e-5);
        assertEquals(1, Math.sqrt(q / 7168), 1e-5);
    }

    @Test
    void readAllConcatenatesInOrderAndSliceCopies() throws IOException {
        Path a = write("a.bin", records(3, 0));
        Path b = write("b.bin", records(5, 3));
        CifarBlock both = CifarBlock.readAll(List.of(a, b));
        assertEquals(8, both.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(i % 10, both.label(i));
        }
        assertEquals(pixelValue(1, 0, 0, 0), both.pixel(4, 0, 0, 0));   // record 1 of the second file
        CifarBlock part = both.slice(3, 8);
        assertEquals(5, part.size());
        assertEquals(pixelValue(4, 2, 31, 31), part.pixel(4, 2, 31, 31));
        assertThrows(IllegalArgumentException.class, () -> both.slice(5, 9));
    }

    @Test
    void truncatedFileIsRefusedWithNameSizeAndRemainder() throws IOException {
        byte[] data = Arrays.copyOf(records(2, 0), 2 * 3073 + 100);
        Path f = write("data_batch_2.bin", data);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CifarBlock.read(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("6246") && m.contains("100 bytes left over")
                && m.contains("3073"), m);
    }

    @Test
    void badLabelIsRefusedWithFileRecordAndValue() throws IOException {
        byte[] data = records(5, 0);
        data[3 * 3073] = (byte) 200;
        Path f = write("bad_label.bin", data);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CifarBlock.read(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("record 3") && m.contains("200") && m.contains("0..9"), m);
    }

    @Test
    void emptyFileIsRefused() throws IOException {
        Path f = write("empty.bin", new byte[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CifarBlock.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CifarBlock.readAll(List.of()));
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        CifarBlock block = CifarBlock.fromBytes(records(4, 2), "generated");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(block);
        }
        CifarBlock copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (CifarBlock) in.readObject();
        }
        assertEquals(4, copy.size());
        assertEquals(block.label(3), copy.label(3));
        assertEquals(block.pixel(3, 1, 2, 3), copy.pixel(3, 1, 2, 3));
    }

    @Test
    void toFloatDoesNotAllocate() {
        CifarBlock block = CifarBlock.fromBytes(records(8, 0), "generated");
        float[] mean = {0.49f, 0.48f, 0.45f};
        float[] std = {0.25f, 0.24f, 0.26f};
        float[] batch = new float[8 * 3072];
        int[] labels = new int[8];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long allocated;
        do {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int r = 0; r < 100; r++) {
                block.toFloat(0, 8, batch, 0, mean, std);
                block.copyLabels(0, 8, labels, 0);
            }
            allocated = mx.getThreadAllocatedBytes(tid) - before;
        } while (allocated >= 1024 && System.nanoTime() < deadline);
        assertTrue(allocated < 1024, "100 batch fills allocated " + allocated + " bytes");
    }
}
