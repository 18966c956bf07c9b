package dev.sparkcnn.kernels.loss;

import dev.sparkcnn.kernels.Allocations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Softmax cross-entropy: finite-difference gradient check, a naive double-precision reference,
 * the uniform-logits value ln(classes), huge logits, label errors, softmax and accuracy counting.
 */
class SoftmaxCrossEntropyTest {

    private final Loss loss = new SoftmaxCrossEntropy();

    private static float[] randomLogits(long seed, int count, double scale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    /** The textbook formula with no stabilisation: -log(exp(s_y) / sum_j exp(s_j)), fine for moderate logits. */
    private static double naiveLoss(float[] logits, int n, int classes, int[] labels) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[i * classes + j]);
            }
            total += -Math.log(Math.exp(logits[i * classes + labels[i]]) / sum);
        }
        return total;
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 4, classes = 10;
        int[] labels = {3, 0, 9, 3};
        float[] logits = randomLogits(1, n * classes, 3);
        float scale = 1f / n;
        float[] d = new float[n * classes];
        loss.forwardBackward(logits, n, classes, labels, 0, d, scale);
        double[] numeric = GradientCheck.numericGradient(
                x -> scale * loss.forwardBackward(x, n, classes, labels, 0, null, 1f), logits, 1e-3);
        double err = GradientCheck.maxRelativeError("softmax cross-entropy", d, numeric, 1e-6);
        assertTrue(err < 1e-4, "gradient differs from finite differences by " + err);
    }

    @Test
    void matchesNaiveReferenceAndLnClassesForUniformLogits() {
        int n = 5, classes = 7;
        int[] labels = {0, 6, 2, 2, 5};
        float[] logits = randomLogits(2, n * classes, 4);
        double ours = loss.forwardBackward(logits, n, classes, labels, 0, null, 1f);
        double ref = naiveLoss(logits, n, classes, labels);
        System.out.printf("softmax loss %.12f, naive %.12f%n", ours, ref);
        assertEquals(ref, ours, 1e-12 * ref);

        float[] uniform = new float[3 * 10];
        java.util.Arrays.fill(uniform, 0.37f);
        float[] d = new float[uniform.length];
        double sum = loss.forwardBackward(uniform, 3, 10, new int[] {1, 4, 9}, 0, d, 1f / 3);
        assertEquals(3 * Math.log(10), sum, 1e-12);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 10; j++) {
                int y = new int[] {1, 4, 9}[i];
                assertEquals((0.1 - (j == y ? 1 : 0)) / 3, d[i * 10 + j], 1e-7, "row " + i + " class " + j);
            }
        }
    }

    /** Each row's gradient sums to zero (softmax minus a one-hot), times the scale. */
    @Test
    void rowGradientsSumToZero() {
        int n = 3, classes = 10;
        float[] logits = randomLogits(3, n * classes, 10);
        float[] d = new float[n * classes];
        loss.forwardBackward(logits, n, classes, new int[] {9, 9, 9, 0, 1, 2}, 3, d, 0.5f);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < classes; j++) {
                s += d[i * classes + j];
            }
            assertEquals(0, s, 1e-6, "row " + i);
        }
        // labelOff 3 means rows use labels 0, 1, 2: the labelled entries are the negative ones
        assertTrue(d[0] < 0 && d[classes + 1] < 0 && d[2 * classes + 2] < 0);
    }

    @Test
    void hugeLogitsStayFinite() {
        float[] logits = {1000f, -1000f, 0f, 1000f, -1000f, 0f};
        float[] d = new float[6];
        double sum = loss.forwardBackward(logits, 2, 3, new int[] {0, 1}, 0, d, 1f);
        // row 0: the labelled class holds the max: loss 0 (a second term of exp(-1000) vanishes);
        // row 1: labelled -1000 against a max of 1000: loss 2000
        assertEquals(2000.0, sum, 1e-9);
        assertArrayEquals(new float[] {0f, 0f, 0f, 1f, -1f, 0f}, d, 0f);
        float[] huge = {Float.MAX_VALUE / 2, -Float.MAX_VALUE / 2};
        double l = loss.forwardBackward(huge, 1, 2, new int[] {1}, 0, null, 1f);
        assertTrue(Double.isFinite(l) && l > 0, "loss " + l);
    }

    @Test
    void evalModeGivesTheSameLoss() {
        float[] logits = randomLogits(4, 20, 2);
        int[] labels = {1, 3, 0, 1, 4};
        double withGrad = loss.forwardBackward(logits, 4, 5, labels, 1, new float[20], 1f);
        double without = loss.forwardBackward(logits, 4, 5, labels, 1, null, 1f);
        assertEquals(withGrad, without, 0.0);
    }

    @Test
    void labelOutOfRangeNamesRowAndLabel() {
        float[] logits = new float[3 * 10];
        float[] d = new float[30];
        d[0] = 42f;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.forwardBackward(logits, 3, 10, new int[] {5, 1, 2, 10}, 1, d, 1f));
        assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("10")
                && e.getMessage().contains("[0, 10)"), e.getMessage());
        assertEquals(42f, d[0], "nothing is written before the labels are checked");
        e = assertThrows(IllegalArgumentException.class,
                () -> loss.forwardBackward(logits, 3, 10, new int[] {-1, 0, 0}, 0, null, 1f));
        assertTrue(e.getMessage().contains("row 0") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> loss.forwardBackward(logits, 4, 10, new int[] {0, 0, 0, 0}, 0, null, 1f));
        assertTrue(e.getMessage().contains("40") && e.getMessage().contains("30"), e.getMessage());
    }

    @Test
    void softmaxSumsToOneAndMatchesTheFormula() {
        float[] logits = {1f, 2f, 3f, 1000f, 0f, -1000f};
        float[] out = new float[8];
        SoftmaxCrossEntropy.softmax(logits, 0, 3, out, 1);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, out[1], 1e-7);
        assertEquals(Math.exp(2) / z, out[2], 1e-7);
        assertEquals(Math.exp(3) / z, out[3], 1e-7);
        SoftmaxCrossEntropy.softmax(logits, 1, 3, out, 5);
        assertArrayEquals(new float[] {1f, 0f, 0f}, java.util.Arrays.copyOfRange(out, 5, 8), 0f);
        assertEquals(0f, out[0]);
    }

    @Test
    void correctCountsArgmaxWithTiesToTheLowestIndex() {
        float[] logits = {
                0f, 5f, 1f,      // argmax 1
                2f, 2f, 2f,      // tie: 0
                1f, 3f, 3f,      // tie between 1 and 2: 1
                -1f, -2f, -0.5f  // argmax 2
        };
        assertEquals(4, Loss.correct(logits, 4, 3, new int[] {1, 0, 1, 2}, 0));
        assertEquals(0, Loss.correct(logits, 4, 3, new int[] {1, 0, 0, 1, 0, 0}, 2));   // rows use labels 0, 1, 0, 0
        assertEquals(2, Loss.correct(logits, 4, 3, new int[] {1, 1, 2, 2}, 0));
        assertThrows(IllegalArgumentException.class, () -> Loss.correct(logits, 4, 3, new int[] {1, 0, 3, 2}, 0));
    }

    @Test
    void namedLosses() {
        assertEquals("softmax", Loss.named("softmax").name());
        assertEquals("svm", Loss.named("SVM").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.named("mse"));
        assertTrue(e.getMessage().contains("'mse'"), e.getMessage());
    }

    @Test
    void forwardBackwardDoesNotAllocate() {
        int n = 64, classes = 10;
        float[] logits = randomLogits(5, n * classes, 5);
        float[] d = new float[n * classes];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        Loss[] losses = {new SoftmaxCrossEntropy(), new MulticlassSvm()};
        for (Loss l : losses) {
            long bytes = Allocations.bytesPer1000(() -> {
                l.forwardBackward(logits, n, classes, labels, 0, d, 1f / n);
                Loss.correct(logits, n, classes, labels, 0);
            });
            assertTrue(bytes < 1024, l.name() + ": 1000 calls allocated " + bytes + " bytes");
        }
    }
}
