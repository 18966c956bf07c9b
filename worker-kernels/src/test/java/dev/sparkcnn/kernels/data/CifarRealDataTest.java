package dev.sparkcnn.kernels.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Reads files made from the real CIFAR-10 images by the shared converter, run in a child JVM
 * with {@code --limit-per-class 2}: 20 training images spread over the five data_batch files
 * (4 each) and 20 test images, two of every class. Made once per build by {@link TestCifar}.
 */
class CifarRealDataTest {

    private static final int PER_CLASS = 2;

    @Test
    void readsConverterOutput() throws Exception {
        Path out = TestCifar.subset(PER_CLASS);

        CifarBlock test = CifarBlock.read(out.resolve(CifarRecords.TEST_FILE));
        assertEquals(10 * PER_CLASS, test.size(), "records in " + CifarRecords.TEST_FILE);
        int[] expected = new int[10];
        java.util.Arrays.fill(expected, PER_CLASS);
        assertArrayEquals(expected, test.labelCounts(), "every class twice in the test batch");

        List<Path> trainFiles = new ArrayList<>();
        for (String name : CifarRecords.TRAIN_FILES) {
            Path f = out.resolve(name);
            assertEquals(4 * CifarRecords.RECORD_BYTES, Files.size(f), name + " should hold 4 records");
            trainFiles.add(f);
        }
        CifarBlock train = CifarBlock.readAll(trainFiles);
        assertEquals(10 * PER_CLASS, train.size());
        assertArrayEquals(expected, train.labelCounts(), "every class twice over the training batches");

        // real photographs: mid-range means, plenty of spread, and not all channels alike
        CifarBlock.ChannelStats stats = test.channelMeanStd();
        System.out.println("real CIFAR-10 test sample (20 images): " + stats);
        for (int c = 0; c < 3; c++) {
            assertTrue(stats.mean()[c] > 0.2 && stats.mean()[c] < 0.8, "mean of channel " + c + ": " + stats);
            assertTrue(stats.std()[c] > 0.1 && stats.std()[c] < 0.45, "std of channel " + c + ": " + stats);
        }
        float[] img = new float[CifarRecords.IMAGE_BYTES];
        test.toFloat(0, img, 0, stats.meanAsFloats(), stats.stdAsFloats());
        for (float v : img) {
            assertTrue(Float.isFinite(v) && Math.abs(v) < 10, "normalised value " + v);
        }

        List<String> meta = Files.readAllLines(out.resolve("batches.meta.txt"), StandardCharsets.UTF_8);
        assertEquals(CifarClasses.NAMES, meta.subList(0, 10), "class names in the converter's batches.meta.txt");
    }
}
