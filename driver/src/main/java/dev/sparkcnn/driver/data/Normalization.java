package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;

import java.io.Serializable;
import java.util.Locale;

/**
 * Per-channel mean and standard deviation of the training pixels (scaled to [0, 1]), computed once
 * from exact integer sums, so the result is the same however the data is partitioned. One pair per
 * input channel (3 for RGB, 1 for greyscale models).
 */
public final class Normalization implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] mean;
    private final float[] std;

    public Normalization(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalisation needs one mean and one standard deviation per channel, got "
                    + mean.length + " means and " + std.length + " standard deviations");
        }
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("standard deviation must be > 0, got " + s);
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * Sums per channel of raw byte values: {@code [count, sum(c0..cC-1), sum(c0^2..cC-1^2)]}, so
     * 1 + 2C longs (7 for RGB), exact; add partitions' sums with {@link #add}.
     */
    public static long[] sums(CifarBlock block) {
        int channels = block.channels(), plane = block.height() * block.width();
        long[] s = new long[1 + 2 * channels];
        byte[] px = block.pixelArray();
        for (int i = 0; i < block.size(); i++) {
            for (int c = 0; c < channels; c++) {
                int o = i * block.imageBytes() + c * plane;
                long a = 0, q = 0;
                for (int p = 0; p < plane; p++) {
                    long v = px[o + p] & 0xff;
                    a += v;
                    q += v * v;
                }
                s[1 + c] += a;
                s[1 + channels + c] += q;
            }
        }
        s[0] = (long) block.size() * plane;
        return s;
    }

    public static long[] add(long[] a, long[] b) {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }

    public static Normalization fromSums(long[] s) {
        int channels = (s.length - 1) / 2;
        float[] mean = new float[channels], std = new float[channels];
        for (int c = 0; c < channels; c++) {
            double m = (double) s[1 + c] / s[0];
            double var = (double) s[1 + channels + c] / s[0] - m * m;
            mean[c] = (float) (m / 255.0);
            std[c] = (float) (Math.sqrt(Math.max(var, 1e-12)) / 255.0);
        }
        return new Normalization(mean, std);
    }

    /** Parses {@link #toText}: C means then C standard deviations. */
    public static Normalization parse(String text) {
        String[] n = text.trim().split("\\s+");
        if (n.length < 2 || n.length % 2 != 0) {
            throw new IllegalArgumentException("expected C means and C standard deviations, found " + n.length + " numbers");
        }
        int channels = n.length / 2;
        float[] mean = new float[channels], std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = Float.parseFloat(n[c]);
            std[c] = Float.parseFloat(n[channels + c]);
        }
        return new Normalization(mean, std);
    }

    /** "m0 m1 m2 s0 s1 s2": the means then the standard deviations (the model file's form). */
    public String toText() {
        StringBuilder b = new StringBuilder();
        for (float m : mean) b.append(b.length() == 0 ? "" : " ").append(m);
        for (float s : std) b.append(' ').append(s);
        return b.toString();
    }

    public int channels() {
        return mean.length;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    float meanOf(int c) {
        return mean[c];
    }

    float stdOf(int c) {
        return std[c];
    }

    @Override
    public String toString() {
        StringBuilder m = new StringBuilder("mean ("), s = new StringBuilder(" std (");
        for (int c = 0; c < mean.length; c++) {
            m.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", mean[c]));
            s.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", std[c]));
        }
        return m + ")" + s + ")";
    }
}
