package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;

import java.util.SplittableRandom;

/**
 * The training set cut in two by a seeded permutation: a validation part of
 * {@code round(fraction * n)} images that trials are judged on, and the training part they learn
 * from. The test set is never touched by a sweep. Both parts keep the permutation's order (the
 * shards then mix classes, as the files' order would too); {@link #validationIndices()} and
 * {@link #trainIndices()} say which images of the whole set went where.
 */
public record ValidationSplit(CifarBlock train, CifarBlock validation, int[] trainIndices, int[] validationIndices) {

    /** Splits {@code all}; the same seed and size always give the same split. */
    public static ValidationSplit of(CifarBlock all, double fraction, long seed, int minTrain) {
        int n = all.size();
        int v = (int) Math.round(fraction * n);
        if (v < 1 || n - v < Math.max(1, minTrain)) {
            throw new SweepException("validation.fraction = " + fraction + " of " + n + " training images leaves " + v
                    + " for validation and " + (n - v) + " for training; need at least 1 and " + Math.max(1, minTrain)
                    + " (data.shards): use more data or another fraction");
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        SplittableRandom r = new SplittableRandom(seed ^ 0x5A11D5EEDL);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] val = java.util.Arrays.copyOfRange(perm, 0, v);
        int[] train = java.util.Arrays.copyOfRange(perm, v, n);
        return new ValidationSplit(gather(all, train), gather(all, val), train, val);
    }

    /** The images at {@code indices}, in that order, as one block. */
    static CifarBlock gather(CifarBlock all, int[] indices) {
        int size = all.imageBytes();
        byte[] pixels = new byte[indices.length * size];
        byte[] labels = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            labels[k] = (byte) all.label(i);
            System.arraycopy(all.pixelArray(), i * size, pixels, k * size, size);
        }
        return new CifarBlock(pixels, labels, all.channels(), all.height(), all.width(), all.classes());
    }
}
