package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;

import java.io.Serializable;
import java.util.Locale;

/**
 * Per-channel mean and standard deviation of the training pixels (scaled to [0, 1]), computed once
 * from exact integer sums, so the result is the same however the data is partitioned.
 */
public final class Normalization implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] mean;
    private final float[] std;

    public Normalization(float[] mean, float[] std) {
        if (mean.length != CifarRecords.CHANNELS || std.length != CifarRecords.CHANNELS) {
            throw new IllegalArgumentException("normalisation needs 3 means and 3 standard deviations");
        }
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("standard deviation must be > 0, got " + s);
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Sums per channel: [count, sum(R), sum(G), sum(B), sum(R^2), sum(G^2), sum(B^2)] of raw byte values. */
    public static long[] sums(CifarBlock block) {
        long[] s = new long[7];
        int plane = CifarRecords.PLANE_BYTES;
        for (int i = 0; i < block.size(); i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    long v = block.pixel(i, c, p / 32, p % 32);
                    s[1 + c] += v;
                    s[4 + c] += v * v;
                }
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
        float[] mean = new float[3], std = new float[3];
        for (int c = 0; c < 3; c++) {
            double m = (double) s[1 + c] / s[0];
            double var = (double) s[4 + c] / s[0] - m * m;
            mean[c] = (float) (m / 255.0);
            std[c] = (float) (Math.sqrt(Math.max(var, 1e-12)) / 255.0);
        }
        return new Normalization(mean, std);
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
        return String.format(Locale.ROOT, "mean (%.4f, %.4f, %.4f) std (%.4f, %.4f, %.4f)", mean[0], mean[1], mean[2], std[0], std[1], std[2]);
    }
}
