package dev.sparkcnn.kernels.loss;

import java.util.Locale;

/**
 * A classification loss over a batch of score rows, forward and backward in one pass:
 *
 * <pre>
 *   logits  is (n, classes) row-major, from offset 0
 *   labels  labels[labelOff + i] in [0, classes) is the class of row i
 *   dLogits is (n, classes) row-major, from offset 0, or null (evaluation: loss only)
 * </pre>
 *
 * {@link #forwardBackward} returns the SUM of the per-row losses, in double, and overwrites
 * {@code dLogits} with {@code gradScale * d(loss_i)/d(logits_i)} row by row. Summing (rather than
 * averaging) keeps partial results of a distributed batch additive: each partition reports its
 * sum and count, the driver divides once. For the gradient of the global mean pass
 * {@code gradScale = 1 / globalBatch}.
 *
 * <p>Implementations allocate nothing per call and keep no state, so one instance may be shared.
 * Labels outside {@code [0, classes)} are refused with the row and the value named, before
 * anything is written.
 */
public interface Loss {

    double forwardBackward(float[] logits, int n, int classes, int[] labels, int labelOff,
                           float[] dLogits, float gradScale);

    /** Short name for logs and configs: "softmax" or "svm". */
    String name();

    /**
     * How many of the n rows have their largest score at the labelled class; ties go to the lowest
     * class index, so a row of equal scores counts as a prediction of class 0.
     */
    static int correct(float[] logits, int n, int classes, int[] labels, int labelOff) {
        checkArguments(logits, n, classes, labels, labelOff, null);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            if (argmax(logits, i * classes, classes) == labels[labelOff + i]) {
                hits++;
            }
        }
        return hits;
    }

    /** Index (0-based, relative to {@code off}) of the largest of {@code a[off, off+len)}; the first one on ties. */
    static int argmax(float[] a, int off, int len) {
        int best = 0;
        float bestValue = a[off];
        for (int j = 1; j < len; j++) {
            if (a[off + j] > bestValue) {
                bestValue = a[off + j];
                best = j;
            }
        }
        return best;
    }

    /** The loss by name as written in model specs and configs: {@code softmax} (cross-entropy) or {@code svm}. */
    static Loss named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "softmax":
            case "cross-entropy":
            case "crossentropy":
                return new SoftmaxCrossEntropy();
            case "svm":
            case "hinge":
                return new MulticlassSvm();
            default:
                throw new IllegalArgumentException("unknown loss '" + name
                        + "'; expected softmax (cross-entropy) or svm (multiclass hinge)");
        }
    }

    /**
     * The checks every implementation makes before touching anything: sizes against array
     * lengths, then every label in range. Errors name the row and the label found.
     */
    static void checkArguments(float[] logits, int n, int classes, int[] labels, int labelOff, float[] dLogits) {
        if (n < 0 || classes < 1) {
            throw new IllegalArgumentException("loss needs n >= 0 rows and classes >= 1 but got n=" + n
                    + " classes=" + classes);
        }
        long cells = (long) n * classes;
        if (logits.length < cells) {
            throw new IllegalArgumentException("logits of " + n + " rows x " + classes + " classes need " + cells
                    + " elements but the array has " + logits.length);
        }
        if (dLogits != null && dLogits.length < cells) {
            throw new IllegalArgumentException("dLogits of " + n + " rows x " + classes + " classes need " + cells
                    + " elements but the array has " + dLogits.length);
        }
        if (labelOff < 0 || (long) labelOff + n > labels.length) {
            throw new IllegalArgumentException("labels for " + n + " rows from offset " + labelOff + " need "
                    + ((long) labelOff + n) + " elements but the array has " + labels.length);
        }
        for (int i = 0; i < n; i++) {
            int y = labels[labelOff + i];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("label of row " + i + " (labels[" + (labelOff + i) + "]) is " + y
                        + " but must be a class index in [0, " + classes + ")");
            }
        }
    }
}
