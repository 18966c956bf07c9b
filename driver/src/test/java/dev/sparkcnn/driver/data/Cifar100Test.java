package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CIFAR-100 binary (3074-byte records: coarse label, fine label, image), written from real CIFAR-10 images. */
class Cifar100Test {

    /** train.bin with coarse = label / 2 and fine = 10 * label + i % 10, and fine_label_names.txt. */
    static Path write(Path dir, int records) throws IOException {
        CifarBlock block = CifarBlock.read(TestCifar.subset(10).resolve(CifarRecords.TEST_FILE));
        byte[] out = new byte[records * 3074];
        for (int i = 0; i < records; i++) {
            out[i * 3074] = (byte) (block.label(i) / 2);
            out[i * 3074 + 1] = (byte) (10 * block.label(i) + i % 10);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 1024; p++) out[i * 3074 + 2 + c * 1024 + p] = (byte) block.pixel(i, c, p / 32, p % 32);
            }
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.bin"), out);
        List<String> names = new ArrayList<>();
        for (int k = 0; k < 100; k++) names.add("fine" + k);
        Files.write(dir.resolve("fine_label_names.txt"), names);
        return dir;
    }

    @Test
    void fineAndCoarseLabelsAndClassNames(@TempDir Path tmp) throws IOException {
        Path dir = write(tmp.resolve("c100"), 40);
        CifarBlock ten = CifarBlock.read(TestCifar.subset(10).resolve(CifarRecords.TEST_FILE));
        Configuration conf = new Configuration();
        CifarFiles fine = CifarFiles.resolve(dir.toString(), CifarFiles.CIFAR100_TRAIN, conf, CifarFiles.Layout.CIFAR100_FINE);
        CifarFiles coarse = CifarFiles.resolve(dir.toString(), CifarFiles.CIFAR100_TRAIN, conf, CifarFiles.Layout.CIFAR100_COARSE);
        assertEquals(40, fine.records());
        assertEquals(100, fine.classNames().size());
        assertEquals("fine37", fine.classNames().get(37));
        assertEquals("class_07", coarse.classNames().get(7), "no coarse_label_names.txt: numbered names");
        byte[] fl = new byte[40], cl = new byte[40], px = new byte[40 * 3072];
        fine.read(0, 40, null, fl, px, new long[1], conf);
        coarse.read(0, 40, null, cl, new byte[40 * 3072], new long[1], conf);
        for (int i = 0; i < 40; i++) {
            assertEquals(10 * ten.label(i) + i % 10, fl[i] & 0xff);
            assertEquals(ten.label(i) / 2, cl[i]);
        }
        byte[] expected = java.util.Arrays.copyOf(ten.slice(0, 40).pixelArray(), 40 * 3072);
        assertArrayEquals(expected, px, "images as stored");
        // decoded to a grey 16x16 model input on the way
        byte[] grey = new byte[40 * 256];
        fine.read(0, 40, new ImageDecoder(1, 16, 16, 1 << 20), fl, grey, new long[1], conf);
        int r = ten.pixel(0, 0, 0, 0) + ten.pixel(0, 0, 0, 1) + ten.pixel(0, 0, 1, 0) + ten.pixel(0, 0, 1, 1);
        int g = ten.pixel(0, 1, 0, 0) + ten.pixel(0, 1, 0, 1) + ten.pixel(0, 1, 1, 0) + ten.pixel(0, 1, 1, 1);
        int b = ten.pixel(0, 2, 0, 0) + ten.pixel(0, 2, 0, 1) + ten.pixel(0, 2, 1, 0) + ten.pixel(0, 2, 1, 1);
        assertEquals(0.299 * r / 4 + 0.587 * g / 4 + 0.114 * b / 4, grey[0] & 0xff, 0.51, "2x2 mean then luma");
    }

    @Test
    void cifar10FilesAreNotCifar100AndBadLabelsAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = write(tmp.resolve("c100"), 3);
        byte[] data = Files.readAllBytes(dir.resolve("train.bin"));
        data[3074 + 1] = (byte) 100;   // record 1's fine label
        Files.write(dir.resolve("train.bin"), data);
        Configuration conf = new Configuration();
        CifarFiles fine = CifarFiles.resolve(dir.toString(), CifarFiles.CIFAR100_TRAIN, conf, CifarFiles.Layout.CIFAR100_FINE);
        DataException e = assertThrows(DataException.class, () -> fine.read(0, 3, null, new byte[3], new byte[3 * 3072], new long[1], conf));
        assertTrue(e.getMessage().contains("train.bin: record 1 has fine label 100, expected a class in 0..99"), e.getMessage());
        Files.write(dir.resolve("train.bin"), new byte[3073 * 3]);
        DataException size = assertThrows(DataException.class,
                () -> CifarFiles.resolve(dir.toString(), CifarFiles.CIFAR100_TRAIN, conf, CifarFiles.Layout.CIFAR100_FINE));
        assertTrue(size.getMessage().contains("not a multiple of the 3074-byte record") && size.getMessage().contains("CIFAR-100"),
                size.getMessage());
    }
}
