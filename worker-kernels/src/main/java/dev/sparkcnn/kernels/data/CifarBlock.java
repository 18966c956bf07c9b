package dev.sparkcnn.kernels.data;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A block of images held compactly in memory: the raw uint8 pixels of n images of one shape
 * (C x H x W; CIFAR-10's 3x32x32 unless given) in one array, labels (0..classes-1, at most 256
 * classes) in another. The name is historical: any source (CIFAR-10/100, image folders, tables)
 * yields these blocks, decoded to the model's input shape. This is what a data partition caches (about 3 KB per image, a quarter
 * of the float form); images are normalised into float only when a batch is filled, by
 * {@link #toFloat}, which allocates nothing.
 *
 * <pre>
 *   pixels is (n, 3, 32, 32) uint8 stored in bytes (read with & 0xff), CHW per image
 *   labels is (n) in 0..9
 * </pre>
 *
 * Reading validates everything a damaged or wrong file could get wrong (length not a multiple of
 * 3073, a label byte outside 0..9, an empty file) and says which file, which record and what was
 * found. Immutable after construction; serializable so Spark can cache or ship it.
 */
public final class CifarBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Most classes a block holds: labels are one unsigned byte. */
    public static final int MAX_CLASSES = 256;

    private final byte[] pixels;
    private final byte[] labels;
    private final int channels, height, width, classes, imageBytes;

    /**
     * Wraps (does not copy) pixel and label arrays: {@code pixels.length == labels.length * 3072},
     * every label in 0..9.
     */
    public CifarBlock(byte[] pixels, byte[] labels) {
        this(pixels, labels, CifarRecords.CHANNELS, CifarRecords.HEIGHT, CifarRecords.WIDTH, CifarRecords.CLASSES);
    }

    /**
     * Wraps (does not copy) images of shape {@code channels x height x width}, CHW each, with labels
     * read as unsigned bytes in {@code 0..classes-1}.
     */
    public CifarBlock(byte[] pixels, byte[] labels, int channels, int height, int width, int classes) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape " + channels + "x" + height + "x" + width + " is not positive");
        }
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException(classes + " classes: a block holds 1.." + MAX_CLASSES);
        }
        long image = (long) channels * height * width;
        if ((long) labels.length * image != pixels.length) {
            throw new IllegalArgumentException("a block of " + labels.length + " labels needs "
                    + ((long) labels.length * image) + " pixel bytes (" + image + " per image, " + channels + "x" + height + "x"
                    + width + ") but got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xff) >= classes) {
                throw new IllegalArgumentException("label of image " + i + " is " + (labels[i] & 0xff)
                        + " but must be a class in 0.." + (classes - 1));
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
        this.imageBytes = (int) image;
    }

    /** An empty block of this block's shape and class count. */
    public CifarBlock emptyLike() {
        return new CifarBlock(new byte[0], new byte[0], channels, height, width, classes);
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Number of classes the labels index. */
    public int classes() {
        return classes;
    }

    /** Bytes of one image: C x H x W. */
    public int imageBytes() {
        return imageBytes;
    }

    /** The raw pixels (not a copy): (n, C, H, W) uint8. */
    public byte[] pixelArray() {
        return pixels;
    }

    /** Reads and validates one CIFAR-10 binary file. */
    public static CifarBlock read(Path file) throws IOException {
        return fromBytes(Files.readAllBytes(file), file.toString());
    }

    /** Reads several files into one block, in the order given (e.g. {@link CifarRecords#TRAIN_FILES}). */
    public static CifarBlock readAll(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no CIFAR-10 files given to read");
        }
        List<CifarBlock> blocks = new ArrayList<>(files.size());
        for (Path f : files) {
            blocks.add(read(f));
        }
        return concat(blocks);
    }

    /**
     * Parses the contents of a CIFAR-10 binary file (records of 1 label byte + 3072 pixel bytes).
     * {@code sourceName} (a path or URI) is only used in error messages.
     */
    public static CifarBlock fromBytes(byte[] data, String sourceName) {
        if (data.length == 0) {
            throw new IllegalArgumentException("CIFAR-10 file " + sourceName + " is empty; expected records of "
                    + CifarRecords.RECORD_BYTES + " bytes (1 label byte + 3072 pixel bytes)");
        }
        int remainder = data.length % CifarRecords.RECORD_BYTES;
        if (remainder != 0) {
            throw new IllegalArgumentException("CIFAR-10 file " + sourceName + " has " + data.length
                    + " bytes, which is not a multiple of the " + CifarRecords.RECORD_BYTES + "-byte record size ("
                    + (data.length / CifarRecords.RECORD_BYTES) + " whole records and " + remainder
                    + " bytes left over); the file is truncated or not in the CIFAR-10 binary format");
        }
        int n = data.length / CifarRecords.RECORD_BYTES;
        byte[] pixels = new byte[n * CifarRecords.IMAGE_BYTES];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int rec = i * CifarRecords.RECORD_BYTES;
            int label = data[rec] & 0xff;
            if (label >= CifarRecords.CLASSES) {
                throw new IllegalArgumentException("CIFAR-10 file " + sourceName + ": record " + i + " (byte offset "
                        + rec + ") has label byte " + label + " but labels must be 0..9; "
                        + "is this the CIFAR-100 layout or a damaged file?");
            }
            labels[i] = (byte) label;
            System.arraycopy(data, rec + 1, pixels, i * CifarRecords.IMAGE_BYTES, CifarRecords.IMAGE_BYTES);
        }
        return new CifarBlock(pixels, labels);
    }

    /** One block holding the images of all {@code blocks}, in order. */
    public static CifarBlock concat(List<CifarBlock> blocks) {
        long n = 0;
        CifarBlock first = blocks.get(0);
        for (CifarBlock b : blocks) {
            n += b.size();
            if (b.channels != first.channels || b.height != first.height || b.width != first.width || b.classes != first.classes) {
                throw new IllegalArgumentException("cannot join blocks of " + first.shapeText() + " and " + b.shapeText());
            }
        }
        int image = first.imageBytes;
        if (n * image > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " images do not fit in one block (at most "
                    + ((Integer.MAX_VALUE - 8) / image) + "); split the data into more partitions");
        }
        byte[] pixels = new byte[(int) n * image];
        byte[] labels = new byte[(int) n];
        int at = 0;
        for (CifarBlock b : blocks) {
            System.arraycopy(b.pixels, 0, pixels, at * image, b.pixels.length);
            System.arraycopy(b.labels, 0, labels, at, b.labels.length);
            at += b.size();
        }
        return new CifarBlock(pixels, labels, first.channels, first.height, first.width, first.classes);
    }

    /** A copy of images {@code [from, to)} as a block of their own (e.g. one partition's share). */
    public CifarBlock slice(int from, int to) {
        if (from < 0 || to < from || to > size()) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") is outside the block's "
                    + size() + " images");
        }
        byte[] p = java.util.Arrays.copyOfRange(pixels, from * imageBytes, to * imageBytes);
        byte[] l = java.util.Arrays.copyOfRange(labels, from, to);
        return new CifarBlock(p, l, channels, height, width, classes);
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Label (0..classes-1) of image {@code i}. */
    public int label(int i) {
        return labels[i] & 0xff;
    }

    /** Copies the labels of images {@code [from, from+count)} into {@code dst[dstOff, dstOff+count)}, as the loss wants them. */
    public void copyLabels(int from, int count, int[] dst, int dstOff) {
        checkRange(from, count);
        for (int k = 0; k < count; k++) {
            dst[dstOff + k] = labels[from + k] & 0xff;
        }
    }

    /** Pixel value 0..255 of image {@code i}, channel {@code c} (0 red, 1 green, 2 blue), row {@code y}, column {@code x}. */
    public int pixel(int i, int c, int y, int x) {
        return pixels[i * imageBytes + (c * height + y) * width + x] & 0xff;
    }

    /** Images per class: element k is the number of images labelled k. */
    public int[] labelCounts() {
        int[] counts = new int[classes];
        for (byte l : labels) {
            counts[l & 0xff]++;
        }
        return counts;
    }

    /**
     * Writes image {@code i} as 3072 floats, CHW, into {@code dst[dstOff, dstOff+3072)}, normalised
     * per channel: {@code (pixel/255 - mean[c]) / std[c]}. With {@code mean} and {@code std} both
     * null the values are just {@code pixel/255}. Allocates nothing.
     */
    public void toFloat(int i, float[] dst, int dstOff, float[] mean, float[] std) {
        if (i < 0 || i >= size()) {
            throw new IllegalArgumentException("image index " + i + " is outside the block's " + size() + " images");
        }
        if (dstOff < 0 || (long) dstOff + imageBytes > dst.length) {
            throw new IllegalArgumentException("an image needs 3072 floats from offset " + dstOff
                    + " but the destination has " + dst.length);
        }
        if ((mean == null) != (std == null)
                || (mean != null && (mean.length < channels || std.length < channels))) {
            throw new IllegalArgumentException("normalisation needs a mean and a std of 3 values (R, G, B), "
                    + "or both null for pixel/255; got mean " + describe(mean) + " and std " + describe(std));
        }
        int src = i * imageBytes;
        for (int c = 0; c < channels; c++) {
            // (p/255 - mean)/std folded into one multiply-add per pixel
            double scale = mean == null ? 1.0 / 255.0 : 1.0 / (255.0 * std[c]);
            double shift = mean == null ? 0.0 : -mean[c] / (double) std[c];
            int s = src + c * (height * width);
            int d = dstOff + c * (height * width);
            for (int k = 0; k < (height * width); k++) {
                dst[d + k] = (float) ((pixels[s + k] & 0xff) * scale + shift);
            }
        }
    }

    /**
     * Fills a batch: images {@code [from, from+count)} as (count, 3, 32, 32) floats into
     * {@code dst} from {@code dstOff}, normalised as in {@link #toFloat}.
     */
    public void toFloat(int from, int count, float[] dst, int dstOff, float[] mean, float[] std) {
        checkRange(from, count);
        for (int k = 0; k < count; k++) {
            toFloat(from + k, dst, dstOff + k * imageBytes, mean, std);
        }
    }

    /**
     * Per-channel mean and (population) standard deviation of pixel/255 over every image of the
     * block, the statistics {@link #toFloat} normalises with. Sums are exact (integers), the rest
     * is double.
     */
    public ChannelStats channelMeanStd() {
        if (size() == 0) {
            throw new IllegalStateException("channel statistics of an empty block are undefined");
        }
        long[] sum = new long[channels];
        long[] sumSq = new long[channels];
        for (int i = 0; i < size(); i++) {
            for (int c = 0; c < channels; c++) {
                int s = i * imageBytes + c * (height * width);
                long a = 0, q = 0;
                for (int k = 0; k < (height * width); k++) {
                    int p = pixels[s + k] & 0xff;
                    a += p;
                    q += p * p;
                }
                sum[c] += a;
                sumSq[c] += q;
            }
        }
        double count = (double) size() * (height * width);
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / count;
            double var = Math.max(0.0, sumSq[c] / count - m * m);
            mean[c] = m / 255.0;
            std[c] = Math.sqrt(var) / 255.0;
        }
        return new ChannelStats(mean, std);
    }

    /** Per-channel (R, G, B) mean and standard deviation of pixel/255. */
    public record ChannelStats(double[] mean, double[] std) implements Serializable {

        /** The means as floats, ready for {@link CifarBlock#toFloat}. */
        public float[] meanAsFloats() {
            return toFloats(mean);
        }

        /** The standard deviations as floats, ready for {@link CifarBlock#toFloat}. */
        public float[] stdAsFloats() {
            return toFloats(std);
        }

        private static float[] toFloats(double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return f;
        }

        @Override
        public String toString() {
            StringBuilder m = new StringBuilder("mean ("), d = new StringBuilder(" std (");
            for (int c = 0; c < mean.length; c++) {
                String sep = c == 0 ? "" : ", ";
                m.append(sep).append(String.format(java.util.Locale.ROOT, "%.4f", mean[c]));
                d.append(sep).append(String.format(java.util.Locale.ROOT, "%.4f", std[c]));
            }
            return m + ")" + d + ")";
        }
    }

    private void checkRange(int from, int count) {
        if (from < 0 || count < 0 || (long) from + count > size()) {
            throw new IllegalArgumentException("images [" + from + ", " + ((long) from + count)
                    + ") are outside the block's " + size() + " images");
        }
    }

    private static String describe(float[] v) {
        return v == null ? "null" : java.util.Arrays.toString(v);
    }

    /** "3x32x32, 10 classes". */
    public String shapeText() {
        return channels + "x" + height + "x" + width + ", " + classes + " classes";
    }

    @Override
    public String toString() {
        return "CifarBlock(" + size() + " images of " + shapeText() + ")";
    }
}
