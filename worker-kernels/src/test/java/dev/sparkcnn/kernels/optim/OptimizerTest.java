package dev.sparkcnn.kernels.optim;

import dev.sparkcnn.kernels.Allocations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SGD and Adam against double-precision references written from the published update rules
 * (velocity form for SGD, bias-corrected moment form for Adam), over 5 steps on 10 parameters
 * with a different gradient each step; a hand-worked scalar Nesterov example; checkpoint and
 * restore continuing bit for bit; argument errors; and no allocation per step.
 */
class OptimizerTest {

    private static final int N = 10;
    private static final int STEPS = 5;
    private static final double TOLERANCE = 1e-6;

    /** Parameters of magnitude 0.5..1.5 with random signs, so none comes near 0 and relative error means something. */
    private static float[] initialParams(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] p = new float[N];
        for (int i = 0; i < N; i++) {
            p[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * (0.5 + rnd.nextDouble()));
        }
        return p;
    }

    private static float[][] gradientsPerStep(long seed, int steps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] g = new float[steps][N];
        for (float[] row : g) {
            for (int i = 0; i < N; i++) {
                row[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        return g;
    }

    private static float[] run(Optimizer opt, float[] params, float[][] grads, float[] lrs) {
        float[] p = params.clone();
        for (int t = 0; t < grads.length; t++) {
            opt.step(p, grads[t], lrs[t]);
        }
        return p;
    }

    /** Largest relative difference, printed (so a drift shows before it fails) and asserted. */
    private static void assertClose(String what, double[] expected, float[] actual) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double rel = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-12);
            if (rel > worst) {
                worst = rel;
                at = i;
            }
        }
        System.out.printf("%s: largest relative difference %.3e (param %d)%n", what, worst, at);
        assertTrue(worst <= TOLERANCE, what + ": parameter " + at + " is " + (at < 0 ? 0 : actual[at])
                + " but the reference says " + (at < 0 ? 0 : expected[at]) + " (relative difference " + worst + ")");
    }

    // ---------------------------------------------------------------- SGD

    /**
     * Reference SGD in the "velocity" spelling of Sutskever et al. as PyTorch documents it, all in
     * double, without any float rounding between steps.
     */
    private static double[] referenceSgd(float[] p0, float[][] grads, float[] lrs,
                                         double mu, boolean nesterov, double wd) {
        double[] p = new double[N];
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = p0[i];
        }
        for (int t = 0; t < grads.length; t++) {
            for (int i = 0; i < N; i++) {
                double grad = grads[t][i] + wd * p[i];
                if (mu != 0) {
                    v[i] = t == 0 ? grad : mu * v[i] + grad;
                    grad = nesterov ? grad + mu * v[i] : v[i];
                }
                p[i] -= lrs[t] * grad;
            }
        }
        return p;
    }

    @Test
    void sgdVariantsMatchTheReference() {
        float[] p0 = initialParams(1);
        float[][] g = gradientsPerStep(2, STEPS);
        float[] lrs = {0.05f, 0.04f, 0.03f, 0.02f, 0.01f};
        Object[][] cases = {
                {0f, false, 0f}, {0f, false, 5e-4f}, {0.9f, false, 0f}, {0.9f, false, 1e-2f},
                {0.9f, true, 0f}, {0.9f, true, 1e-2f}, {0.5f, true, 0.1f}};
        for (Object[] c : cases) {
            float mu = (float) c[0], wd = (float) c[2];
            boolean nesterov = (boolean) c[1];
            float[] ours = run(new Sgd(N, mu, nesterov, wd), p0, g, lrs);
            double[] ref = referenceSgd(p0, g, lrs, mu, nesterov, wd);
            assertClose("sgd momentum=" + mu + " nesterov=" + nesterov + " wd=" + wd, ref, ours);
        }
    }

    /**
     * Worked by hand: p = 1, gradient 1 twice, lr 0.1, momentum 0.9, Nesterov.
     * Step 1: buf = 1, d = 1 + 0.9 * 1 = 1.9, p = 1 - 0.19 = 0.81.
     * Step 2: buf = 0.9 * 1 + 1 = 1.9, d = 1 + 0.9 * 1.9 = 2.71, p = 0.81 - 0.271 = 0.539.
     */
    @Test
    void nesterovByHand() {
        Sgd sgd = new Sgd(1, 0.9f, true, 0f);
        float[] p = {1f};
        float[] g = {1f};
        sgd.step(p, g, 0.1f);
        assertEquals(0.81f, p[0], 1e-7f);
        assertEquals(1f, sgd.state()[0][0], 0f);
        sgd.step(p, g, 0.1f);
        assertEquals(0.539f, p[0], 1e-7f);
        assertEquals(1.9f, sgd.state()[0][0], 1e-7f);
        assertEquals(2, sgd.stepCount());
    }

    // ---------------------------------------------------------------- Adam

    /**
     * Reference Adam in the form of Algorithm 1 of Kingma and Ba (bias-corrected mHat, vHat, then
     * mHat / (sqrt(vHat) + eps)), with AdamW's decay as a separate shrink of the weights, in double.
     */
    private static double[] referenceAdam(float[] p0, float[][] grads, float[] lrs, double b1, double b2,
                                          double eps, double wd, boolean decoupled) {
        double[] p = new double[N];
        double[] m = new double[N];
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = p0[i];
        }
        double b1t = 1, b2t = 1;
        for (int t = 0; t < grads.length; t++) {
            b1t *= b1;
            b2t *= b2;
            for (int i = 0; i < N; i++) {
                double g = grads[t][i];
                if (decoupled) {
                    p[i] = p[i] - lrs[t] * wd * p[i];
                } else {
                    g += wd * p[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - b1t);
                double vHat = v[i] / (1 - b2t);
                p[i] -= lrs[t] * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }

    @Test
    void adamAndAdamWMatchTheReference() {
        float[] p0 = initialParams(3);
        float[][] g = gradientsPerStep(4, STEPS);
        float[] lrs = {0.01f, 0.01f, 0.008f, 0.006f, 0.004f};
        Object[][] cases = {
                {0.9f, 0.999f, 1e-8f, 0f, false}, {0.9f, 0.999f, 1e-8f, 0.05f, false},
                {0.9f, 0.999f, 1e-8f, 0.05f, true}, {0.8f, 0.99f, 1e-3f, 0.1f, true}};
        for (Object[] c : cases) {
            float b1 = (float) c[0], b2 = (float) c[1], eps = (float) c[2], wd = (float) c[3];
            boolean decoupled = (boolean) c[4];
            float[] ours = run(new Adam(N, b1, b2, eps, wd, decoupled), p0, g, lrs);
            double[] ref = referenceAdam(p0, g, lrs, b1, b2, eps, wd, decoupled);
            assertClose((decoupled ? "adamw" : "adam") + " b1=" + b1 + " b2=" + b2 + " eps=" + eps + " wd=" + wd, ref, ours);
        }
    }

    /** Bias correction makes Adam's first step lr * sign(g) (when eps is negligible), whatever the gradient's size. */
    @Test
    void adamFirstStepIsLrTimesSign() {
        Adam adam = new Adam(3);
        float[] p = {0f, 0f, 0f};
        adam.step(p, new float[] {0.1f, -5f, 200f}, 0.01f);
        assertArrayEquals(new float[] {-0.01f, 0.01f, -0.01f}, p, 1e-7f);
    }

    /** AdamW decays the weights even where the gradient is zero; Adam's L2 term goes through the moments. */
    @Test
    void decoupledDecayShrinksWeights() {
        Adam adamW = Adam.adamW(1, 0.1f);
        float[] p = {2f};
        adamW.step(p, new float[] {0f}, 0.5f);
        assertEquals(2f * (1 - 0.5f * 0.1f), p[0], 1e-6f);   // moments are zero: only the shrink acts
        Adam adam = new Adam(1, 0.9f, 0.999f, 1e-8f, 0.1f, false);
        float[] q = {2f};
        adam.step(q, new float[] {0f}, 0.5f);
        assertEquals(2f - 0.5f, q[0], 1e-6f);                // g = 0.2 > 0: a full lr-sized step
    }

    // ---------------------------------------------------------------- checkpoints

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd", (Supplier<Optimizer>) () -> new Sgd(N)),
                Arguments.of("sgd-momentum-wd", (Supplier<Optimizer>) () -> new Sgd(N, 0.9f, false, 1e-3f)),
                Arguments.of("sgd-nesterov", (Supplier<Optimizer>) () -> new Sgd(N, 0.9f, true, 5e-4f)),
                Arguments.of("adam", (Supplier<Optimizer>) () -> new Adam(N, 0.9f, 0.999f, 1e-8f, 1e-2f, false)),
                Arguments.of("adamw", (Supplier<Optimizer>) () -> Adam.adamW(N, 1e-2f)));
    }

    /**
     * Train 3 steps, checkpoint (deep copies of state, step count, params), then continue 4 steps
     * both in the original and in a fresh optimizer restored from the checkpoint: identical bits.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void restoredStateContinuesBitForBit(String name, Supplier<Optimizer> factory) {
        float[][] g = gradientsPerStep(7, 7);
        LrSchedule lr = LrSchedule.cosine(0.05f, 0f, 7);
        Optimizer original = factory.get();
        float[] p = initialParams(8);
        for (int t = 0; t < 3; t++) {
            original.step(p, g[t], lr.lr(original.stepCount()));
        }
        float[][] saved = new float[original.state().length][];
        for (int k = 0; k < saved.length; k++) {
            saved[k] = original.state()[k].clone();
        }
        long savedSteps = original.stepCount();
        float[] savedParams = p.clone();

        Optimizer restored = factory.get();
        restored.setState(saved);
        restored.setStepCount(savedSteps);
        float[] q = savedParams.clone();
        for (int t = 3; t < 7; t++) {
            original.step(p, g[t], lr.lr(original.stepCount()));
            restored.step(q, g[t], lr.lr(restored.stepCount()));
        }
        assertEquals(original.name(), restored.name());
        assertEquals(7, restored.stepCount());
        assertArrayEquals(p, q, 0f, "parameters after restore");
        for (int k = 0; k < saved.length; k++) {
            assertArrayEquals(original.state()[k], restored.state()[k], 0f, "state array " + k);
        }
        // bitwise, not just ==, so -0f vs 0f or NaN payloads would also show
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(q[i]));
        }
    }

    @Test
    void resetStartsOver() {
        Adam adam = new Adam(N);
        float[] p = initialParams(9);
        float[][] g = gradientsPerStep(10, 2);
        float[] first = p.clone();
        adam.step(first, g[0], 0.01f);
        adam.step(p, g[1], 0.01f);
        adam.reset();
        assertEquals(0, adam.stepCount());
        float[] again = initialParams(9);
        adam.step(again, g[0], 0.01f);
        assertArrayEquals(first, again, 0f);
    }

    @Test
    void errorsNameWhatWasFoundAndExpected() {
        Adam adam = new Adam(N);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> adam.setState(new float[][] {new float[N], new float[N - 1]}));
        assertTrue(e.getMessage().contains("state array 1") && e.getMessage().contains("" + N)
                && e.getMessage().contains("" + (N - 1)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> adam.setState(new float[1][N]));
        assertTrue(e.getMessage().contains("2 arrays") && e.getMessage().contains("1 arrays"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> adam.step(new float[N + 1], new float[N + 1], 0.1f));
        assertTrue(e.getMessage().contains("" + N) && e.getMessage().contains("" + (N + 1)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> adam.step(new float[N], new float[N - 2], 0.1f));
        assertTrue(e.getMessage().contains("gradient"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> adam.step(new float[N], new float[N], Float.NaN));
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgd(N, 0f, true, 0f));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        assertEquals(0, new Sgd(N).state().length);
        new Sgd(N).setState(new float[0][]);   // an empty state round-trips
    }

    /** A gradient buffer longer than the parameters (aggregation slots at the end) is accepted; only the first N count. */
    @Test
    void gradientMayCarryTrailingSlots() {
        float[] p = {1f, 2f};
        new Sgd(2).step(p, new float[] {1f, 1f, 99f, 99f}, 0.5f);
        assertArrayEquals(new float[] {0.5f, 1.5f}, p, 0f);
    }

    // ---------------------------------------------------------------- allocation

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void stepDoesNotAllocate(String name, Supplier<Optimizer> factory) {
        Optimizer opt = factory.get();
        float[] p = new float[N];
        float[] g = gradientsPerStep(11, 1)[0];
        LrSchedule lr = LrSchedule.stepDecay(1e-3f, 100, 0.5f).withWarmup(10, 0.1f);
        long bytes = Allocations.bytesPer1000(() -> opt.step(p, g, lr.lr(opt.stepCount())));
        assertTrue(bytes < 1024, name + ": 1000 steps allocated " + bytes + " bytes");
    }
}
