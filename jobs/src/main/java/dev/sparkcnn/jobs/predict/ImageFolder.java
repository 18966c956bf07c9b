package dev.sparkcnn.jobs.predict;

import dev.sparkcnn.kernels.data.CifarRecords;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The PNG and JPEG images of a local folder, decoded one at a time into the CIFAR layout (3x32x32
 * uint8, CHW). An image's declared size is read from its header and checked against a pixel cap
 * before anything is decoded: a file of a hundred bytes can declare 16000x16000 pixels and make a
 * decoder allocate most of a gigabyte. Images of another size are resized ({@link Bilinear}).
 */
public final class ImageFolder {

    /** Default cap on an image's declared pixels: 4096 x 4096 (64 MB decoded). */
    public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;

    private final List<Path> files;
    private final long maxPixels;
    private final int channels, height, width;

    private ImageFolder(List<Path> files, long maxPixels, int channels, int height, int width) {
        this.files = files;
        this.maxPixels = maxPixels;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** The images in {@code dir} (by name: .png, .jpg, .jpeg, any case), in name order; null when there are none. */
    public static ImageFolder of(Path dir, long maxPixels) throws IOException {
        return of(dir, maxPixels, CifarRecords.CHANNELS, CifarRecords.HEIGHT, CifarRecords.WIDTH);
    }

    /** As {@link #of(Path, long)}, decoding to a model's {@code channels x height x width} input. */
    public static ImageFolder of(Path dir, long maxPixels, int channels, int height, int width) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)$")).sorted().toList();
        }
        return files.isEmpty() ? null : new ImageFolder(files, maxPixels, channels, height, width);
    }

    public List<Path> files() {
        return files;
    }

    /** One decoded image: the CIFAR bytes and a note for the CSV ("" or "resized from WxH"). */
    public record Image(byte[] chw, String note) {
    }

    /** Decodes image {@code i}, checking its declared size first. */
    public Image read(int i) throws IOException {
        Path file = files.get(i);
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            img = dev.sparkcnn.driver.data.ImageDecoder.readChecked(in, file.toString(), maxPixels, "--max-image-pixels");
        } catch (dev.sparkcnn.driver.data.DataException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a readable PNG or JPEG image: " + e.getMessage(), e);
        }
        if (img == null) throw new IllegalArgumentException(file + " is not a readable PNG or JPEG image");
        int w = img.getWidth(), h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        // the training decoder's size policy (centre crop to the aspect ratio, bilinear resize), so a model sees what it trained on
        byte[] chw = new byte[channels * height * width];
        dev.sparkcnn.driver.data.ImageDecoder.resize(rgb, w, h, channels, width, height, chw, 0);
        if (w == width && h == height) return new Image(chw, "");
        boolean cropped = (long) w * height != (long) h * width;
        return new Image(chw, (cropped ? "centre-cropped and resized from " : "resized from ") + w + "x" + h);
    }
}
