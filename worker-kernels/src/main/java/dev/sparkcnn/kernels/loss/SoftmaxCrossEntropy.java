package dev.sparkcnn.kernels.loss;

/**
 * Softmax followed by the negative log-likelihood of the labelled class, per row:
 *
 * <pre>
 *   loss_i     = log(sum_j exp(s_j)) - s_y          (s = logits row i, y = its label)
 *   dloss_i/ds = softmax(s) - onehot(y)
 * </pre>
 *
 * Numerically stable: the row maximum is subtracted before exponentiating, and the log-sum-exp
 * is accumulated in double, so logits of +-1000 give a finite loss (and a gradient that is
 * exactly one-hot where the softmax saturates).
 */
public final class SoftmaxCrossEntropy implements Loss {

    @Override
    public double forwardBackward(float[] logits, int n, int classes, int[] labels, int labelOff,
                                  float[] dLogits, float gradScale) {
        Loss.checkArguments(logits, n, classes, labels, labelOff, dLogits);
        double total = 0.0;
        for (int i = 0; i < n; i++) {
            int row = i * classes;
            int y = labels[labelOff + i];
            double max = logits[row + Loss.argmax(logits, row, classes)];
            double sum = 0.0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[row + j] - max);
            }
            double logSumExp = Math.log(sum);     // of the shifted row, >= 0 since one term is exp(0)
            total += logSumExp - (logits[row + y] - max);
            if (dLogits != null) {
                double inv = 1.0 / sum;
                for (int j = 0; j < classes; j++) {
                    double p = Math.exp(logits[row + j] - max) * inv;
                    dLogits[row + j] = (float) (gradScale * (j == y ? p - 1.0 : p));
                }
            }
        }
        return total;
    }

    /**
     * Class probabilities of one row: {@code out[outOff, outOff+classes) = softmax(logits[row*classes, ...))}.
     * Stable for any finite logits; the probabilities sum to 1 up to float rounding.
     */
    public static void softmax(float[] logits, int row, int classes, float[] out, int outOff) {
        int off = row * classes;
        if (row < 0 || classes < 1 || (long) off + classes > logits.length) {
            throw new IllegalArgumentException("softmax of row " + row + " with " + classes
                    + " classes needs logits up to element " + ((long) row * classes + classes)
                    + " but the array has " + logits.length);
        }
        if (outOff < 0 || (long) outOff + classes > out.length) {
            throw new IllegalArgumentException("softmax output of " + classes + " classes from offset " + outOff
                    + " does not fit in an array of " + out.length);
        }
        double max = logits[off + Loss.argmax(logits, off, classes)];
        double sum = 0.0;
        for (int j = 0; j < classes; j++) {
            sum += Math.exp(logits[off + j] - max);
        }
        double inv = 1.0 / sum;
        for (int j = 0; j < classes; j++) {
            out[outOff + j] = (float) (Math.exp(logits[off + j] - max) * inv);
        }
    }

    @Override
    public String name() {
        return "softmax";
    }

    @Override
    public String toString() {
        return "SoftmaxCrossEntropy";
    }
}
