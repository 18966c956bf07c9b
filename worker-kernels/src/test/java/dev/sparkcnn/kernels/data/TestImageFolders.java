package dev.sparkcnn.kernels.data;


import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Image folder trees for tests, written from the real CIFAR-10 images of {@link TestCifar}: a
 * 3-class subset (airplane, cat, ship), images alternately PNG and JPEG, every third one upscaled
 * to 64x64 (nearest neighbour), every fifth greyscale. Built once per directory and reused.
 */
public final class TestImageFolders {

    public static final List<String> CLASSES = List.of("airplane", "cat", "ship");

    private TestImageFolders() {
    }

    /** {@code base/train/<class>/} from the training batches and, if {@code withTest}, {@code base/test/<class>/}. */
    public static synchronized Path build(Path base, int perClass, boolean withTest) {
        Path done = base.resolve(".complete");
        if (Files.exists(done)) return base;
        try {
            Path cifar = TestCifar.subset(Math.max(perClass, 10));
            List<Path> trainFiles = new ArrayList<>();
            for (String f : CifarRecords.TRAIN_FILES) trainFiles.add(cifar.resolve(f));
            write(CifarBlock.readAll(trainFiles), base.resolve("train"), perClass);
            if (withTest) write(CifarBlock.read(cifar.resolve(CifarRecords.TEST_FILE)), base.resolve("test"), perClass);
            Files.createFile(done);
            return base;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(CifarBlock block, Path dir, int perClass) throws IOException {
        int[] written = new int[10];
        for (int i = 0; i < block.size(); i++) {
            int label = block.label(i);
            String name = CifarClasses.name(label);
            if (!CLASSES.contains(name) || written[label] >= perClass) continue;
            int k = written[label]++;
            Path classDir = dir.resolve(name);
            Files.createDirectories(classDir);
            boolean png = k % 2 == 0, big = k % 3 == 0, grey = k % 5 == 0;
            BufferedImage img = image(block, i, big ? 2 : 1, grey);
            ImageIO.write(img, png ? "png" : "jpg", classDir.resolve(String.format("%04d.%s", k, png ? "png" : "jpg")).toFile());
        }
    }

    /** Image i of the block as a BufferedImage, scaled by {@code scale} (nearest neighbour), optionally grey. */
    public static BufferedImage image(CifarBlock block, int i, int scale, boolean grey) {
        int side = 32 * scale;
        BufferedImage img = new BufferedImage(side, side, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int r = block.pixel(i, 0, y / scale, x / scale), g = block.pixel(i, 1, y / scale, x / scale),
                        b = block.pixel(i, 2, y / scale, x / scale);
                if (grey) {
                    int v = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                    img.getRaster().setSample(x, y, 0, v);
                } else {
                    img.setRGB(x, y, r << 16 | g << 8 | b);
                }
            }
        }
        return img;
    }
}
