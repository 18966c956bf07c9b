package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.TestImageFolders;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listing, seeded order, held-out split and the bad-input errors of an image folder tree. */
class ImageFolderSourceTest {

    static final Path TREE = TestImageFolders.build(Path.of("target", "test-data", "folder-3class-10"), 10, true);
    static final Configuration CONF = new Configuration();

    static Path copy(Path to) throws IOException {
        try (Stream<Path> s = Files.walk(TREE)) {
            for (Path p : s.toList()) {
                Path dst = to.resolve(TREE.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(dst);
                else Files.copy(p, dst, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    @Test
    void classesAreTheSortedFolderNamesAndTheOrderIsSeeded() {
        ImageFolderSource.Split a = ImageFolderSource.resolve(TREE.toString(), CONF, 7, 0.1, false);
        assertEquals(List.of("airplane", "cat", "ship"), a.train().classNames());
        assertEquals(30, a.train().records());
        assertEquals(30, a.test().records());
        ImageFolderSource.Split b = ImageFolderSource.resolve(TREE.toString(), CONF, 7, 0.1, false);
        ImageFolderSource.Split c = ImageFolderSource.resolve(TREE.toString(), CONF, 8, 0.1, false);
        boolean differs = false;
        Set<String> files = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            assertEquals(a.train().file(i), b.train().file(i));
            differs |= !a.train().file(i).equals(c.train().file(i));
            files.add(a.train().file(i));
            String cls = Path.of(a.train().file(i).replace("file:", "")).getParent().getFileName().toString();
            assertEquals(a.train().classNames().indexOf(cls), a.train().label(i), "label of " + a.train().file(i));
        }
        assertEquals(30, files.size(), "every file once");
        assertTrue(differs, "another seed, another order");
    }

    @Test
    void withoutTestTheHeldOutSplitIsSeededAndDisjoint(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        deleteTree(root.resolve("test"));
        ImageFolderSource.Split s = ImageFolderSource.resolve(root.toString(), CONF, 3, 0.2, false);
        assertEquals(24, s.train().records());
        assertEquals(6, s.test().records());
        Set<String> train = new HashSet<>();
        for (int i = 0; i < 24; i++) train.add(s.train().file(i));
        for (int i = 0; i < 6; i++) assertTrue(!train.contains(s.test().file(i)), "validation image also in training: " + s.test().file(i));
        assertNull(ImageFolderSource.resolve(root.toString(), CONF, 3, 0, false).test());
    }

    @Test
    void anEmptyClassFolderIsRefusedByName(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        Files.createDirectories(root.resolve("train/dog"));
        DataException e = assertThrows(DataException.class, () -> ImageFolderSource.resolve(root.toString(), CONF, 1, 0.1, false));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().startsWith("class folder ") && e.getMessage().contains("train/dog holds no images"), e.getMessage());
    }

    @Test
    void aTestClassThatTrainLacksIsRefusedByName(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        Files.createDirectories(root.resolve("test/dog"));
        Files.copy(root.resolve("test/cat/0000.png"), root.resolve("test/dog/0000.png"));
        DataException e = assertThrows(DataException.class, () -> ImageFolderSource.resolve(root.toString(), CONF, 1, 0.1, false));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("test/dog has no counterpart in") && e.getMessage().contains("airplane, cat, ship"), e.getMessage());
    }

    @Test
    void fewerThanTwoClassesAreRefused(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        deleteTree(root.resolve("train/cat"));
        deleteTree(root.resolve("train/ship"));
        DataException e = assertThrows(DataException.class, () -> ImageFolderSource.resolve(root.toString(), CONF, 1, 0.1, false));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("has 1 class folder (airplane): a classifier needs at least two classes"), e.getMessage());
    }

    @Test
    void anUnreadableFileIsRefusedByNameOrSkippedAndCounted(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        Files.writeString(root.resolve("train/cat/0003.jpg"), "this is not a JPEG");
        ImageDecoder decoder = new ImageDecoder(3, 32, 32, ImageDecoder.DEFAULT_MAX_PIXELS);
        ImageFolderSource strict = ImageFolderSource.resolve(root.toString(), CONF, 1, 0, false).train();
        DataException e = assertThrows(DataException.class,
                () -> strict.read(0, strict.records(), decoder, new byte[30], new byte[30 * 3072], new long[1], CONF));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("train/cat/0003.jpg is not an image javax.imageio can read")
                && e.getMessage().contains("data.skip.unreadable = true"), e.getMessage());
        ImageFolderSource lenient = ImageFolderSource.resolve(root.toString(), CONF, 1, 0, true).train();
        long[] skipped = new long[1];
        byte[] labels = new byte[30];
        int read = lenient.read(0, lenient.records(), decoder, labels, new byte[30 * 3072], skipped, CONF);
        assertEquals(29, read);
        assertEquals(1, skipped[0]);
        int[] perClass = new int[3];
        for (int i = 0; i < read; i++) perClass[labels[i]]++;
        assertEquals(List.of(10, 9, 10), List.of(perClass[0], perClass[1], perClass[2]), "the cat was skipped");
    }

    @Test
    void anImageBombInTheFolderIsRefusedNamingTheFile(@TempDir Path tmp) throws IOException {
        Path root = copy(tmp.resolve("tree"));
        Files.write(root.resolve("train/ship/9999.png"), ImageDecoderTest.declaredPng(50_000, 50_000));
        ImageFolderSource src = ImageFolderSource.resolve(root.toString(), CONF, 1, 0, true).train();
        DataException e = assertThrows(DataException.class, () -> src.read(0, src.records(),
                new ImageDecoder(3, 32, 32, ImageDecoder.DEFAULT_MAX_PIXELS), new byte[31], new byte[31 * 3072], new long[1], CONF));
        assertTrue(e.getMessage().contains("train/ship/9999.png declares 50000x50000"), e.getMessage());
    }

    @Test
    void autoDetectionFindsEachFormat(@TempDir Path tmp) throws IOException {
        dev.sparkcnn.driver.train.TrainConfig cfg = dev.sparkcnn.driver.train.TrainConfig.defaults();
        assertEquals("folder", DataSets.format(TREE.toString(), cfg, CONF));
        Files.createDirectories(tmp.resolve("c100"));
        Files.write(tmp.resolve("c100/train.bin"), new byte[3074]);
        assertEquals("cifar100", DataSets.format(tmp.resolve("c100").toString(), cfg, CONF));
        assertEquals("parquet", DataSets.format(tmp.resolve("t.parquet").toString(), cfg, CONF));
        assertEquals("cifar10", DataSets.format(dev.sparkcnn.kernels.data.TestCifar.subset(10).toString(), cfg, CONF));
        assertEquals("cifar100", DataSets.format(TREE.toString(), cfg.with("data.format", "cifar100"), CONF), "data.format overrides");
        assertNotEquals("folder", DataSets.format(tmp.toString(), cfg, CONF));
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
