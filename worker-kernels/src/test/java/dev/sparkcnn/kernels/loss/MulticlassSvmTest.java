package dev.sparkcnn.kernels.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Multiclass hinge loss: the CS231n worked example by hand, finite differences away from the kinks, margins. */
class MulticlassSvmTest {

    /**
     * CS231n's three-image example (cat, car, frog scores):
     * row 0, label 0: max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9 + 0   = 2.9
     * row 1, label 1: max(0, 1.3-4.9+1) + max(0, 2.0-4.9+1)  = 0 + 0     = 0
     * row 2, label 2: max(0, 2.2+3.1+1) + max(0, 2.5+3.1+1)  = 6.3 + 6.6 = 12.9
     * total 15.8; the gradient is +1 per violating class and minus the count at the label.
     */
    @Test
    void handComputedExample() {
        float[] scores = {3.2f, 5.1f, -1.7f, 1.3f, 4.9f, 2.0f, 2.2f, 2.5f, -3.1f};
        int[] labels = {0, 1, 2};
        float[] d = new float[9];
        double total = new MulticlassSvm().forwardBackward(scores, 3, 3, labels, 0, d, 1f);
        assertEquals(15.8, total, 1e-5);
        assertArrayEquals(new float[] {-1f, 1f, 0f, 0f, 0f, 0f, 1f, 1f, -2f}, d, 0f);
        new MulticlassSvm().forwardBackward(scores, 3, 3, labels, 0, d, 1f / 3);
        assertArrayEquals(new float[] {-1f / 3, 1f / 3, 0f, 0f, 0f, 0f, 1f / 3, 1f / 3, -2f / 3}, d, 1e-7f);
        assertEquals(15.8 / 3, total / 3, 1e-5);   // CS231n quotes the mean, 5.27
    }

    @Test
    void marginChangesWhichTermsCount() {
        float[] scores = {3.2f, 5.1f, -1.7f};
        assertEquals(1.9 + 0.5, new MulticlassSvm(0.5f).forwardBackward(scores, 1, 3, new int[] {0}, 0, null, 1f), 1e-5);
        assertEquals(1.9, new MulticlassSvm(0f).forwardBackward(scores, 1, 3, new int[] {0}, 0, null, 1f), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> new MulticlassSvm(-1f));
    }

    @Test
    void gradientMatchesFiniteDifferencesAwayFromKinks() {
        int n = 6, classes = 10;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] logits = new float[n * classes];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(classes);
            for (int j = 0; j < classes; j++) {
                logits[i * classes + j] = (float) (rnd.nextDouble() * 4 - 2);
            }
        }
        // nudge any term within 0.01 of its kink away from it, so differences of step 1e-3 are exact slopes
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < classes; j++) {
                double term = logits[i * classes + j] - logits[i * classes + labels[i]] + 1;
                if (j != labels[i] && Math.abs(term) < 0.01) {
                    logits[i * classes + j] += 0.05f;
                }
            }
        }
        Loss svm = new MulticlassSvm();
        float scale = 1f / n;
        float[] d = new float[n * classes];
        svm.forwardBackward(logits, n, classes, labels, 0, d, scale);
        double[] numeric = GradientCheck.numericGradient(
                x -> scale * svm.forwardBackward(x, n, classes, labels, 0, null, 1f), logits, 1e-3);
        double err = GradientCheck.maxRelativeError("multiclass svm", d, numeric, 1e-6);
        assertTrue(err < 1e-4, "gradient differs from finite differences by " + err);
    }

    @Test
    void labelOutOfRangeNamesRowAndLabel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MulticlassSvm().forwardBackward(new float[6], 2, 3, new int[] {0, 7}, 0, null, 1f));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("7"), e.getMessage());
    }
}
