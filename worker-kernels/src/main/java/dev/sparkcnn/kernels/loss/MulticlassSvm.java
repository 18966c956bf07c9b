package dev.sparkcnn.kernels.loss;

/**
 * The multiclass hinge loss of Weston and Watkins (the CS231n "SVM loss"), per row:
 *
 * <pre>
 *   loss_i = sum_{j != y} max(0, s_j - s_y + margin)
 *   dloss_i/ds_j = [s_j - s_y + margin &gt; 0]                  for j != y
 *   dloss_i/ds_y = -(number of j != y with a positive margin term)
 * </pre>
 *
 * At a kink (a term exactly 0) the subgradient 0 is used. Sums are in double.
 */
public final class MulticlassSvm implements Loss {

    private final float margin;

    /** Margin 1, the usual choice: the scale of the scores is arbitrary, so only its sign matters much. */
    public MulticlassSvm() {
        this(1f);
    }

    public MulticlassSvm(float margin) {
        if (!(margin >= 0f) || Float.isInfinite(margin)) {
            throw new IllegalArgumentException("SVM margin must be finite and >= 0 but was " + margin);
        }
        this.margin = margin;
    }

    public float margin() {
        return margin;
    }

    @Override
    public double forwardBackward(float[] logits, int n, int classes, int[] labels, int labelOff,
                                  float[] dLogits, float gradScale) {
        Loss.checkArguments(logits, n, classes, labels, labelOff, dLogits);
        double total = 0.0;
        for (int i = 0; i < n; i++) {
            int row = i * classes;
            int y = labels[labelOff + i];
            double sy = logits[row + y];
            int violations = 0;
            for (int j = 0; j < classes; j++) {
                if (j == y) {
                    continue;
                }
                double term = logits[row + j] - sy + margin;
                boolean active = term > 0.0;
                if (active) {
                    total += term;
                    violations++;
                }
                if (dLogits != null) {
                    dLogits[row + j] = active ? gradScale : 0f;
                }
            }
            if (dLogits != null) {
                dLogits[row + y] = (float) (-(double) gradScale * violations);
            }
        }
        return total;
    }

    @Override
    public String name() {
        return "svm";
    }

    @Override
    public String toString() {
        return "MulticlassSvm(margin=" + margin + ")";
    }
}
