package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.Gemms;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of a layer's backward pass.
 *
 * <p>The scalar checked is {@code L = sum_i y_i * r_i} for fixed random r, so dL/dy = r. The layers
 * compute in float32; the check takes central differences {@code (L(v+h) - L(v-h)) / 2h} with L
 * summed in double precision from the float outputs. Outputs that a perturbation does not reach
 * are computed identically in both evaluations and cancel exactly, which keeps the numerical
 * derivative accurate to ~1e-4 with h = 1e-2 on O(1) values. Agreement required per element:
 * {@code |analytic - numeric| <= 2e-3 + 2e-2 * max(|analytic|, |numeric|)}; a wrong factor, sign
 * or index fails by orders of magnitude more.
 *
 * <p>Layers with a ReLU inside (the residual block) have kinks: when a perturbation of h moves a
 * hidden pre-activation across zero, the difference quotient is not the derivative. A coordinate
 * that disagrees at h is therefore retried at h/10 and h/100, where a crossing is 10 and 100 times
 * less likely; it passes if one of the three agrees. A wrong backward pass disagrees at every h.
 */
final class GradientCheck {

    static final double H = 1e-2;
    /** The default agreement: absolute and relative parts of the allowed difference. */
    static final double ABS = 2e-3, REL = 2e-2;

    private GradientCheck() {
    }

    /** Sets up a context with random parameters for {@code layer} placed at offset 0. */
    static Context context(Layer layer, long seed, boolean training) {
        layer.place(0, 0, 0);
        Context ctx = new Context(Gemms.create());
        SplittableRandom r = new SplittableRandom(seed);
        ctx.params = new float[layer.paramCount()];
        layer.initParams(ctx.params, seed);
        // perturb the initialisation so that e.g. batch-norm gamma/beta are not exactly 1/0
        for (int i = 0; i < ctx.params.length; i++) ctx.params[i] += (float) (0.2 * (r.nextDouble() - 0.5));
        ctx.grads = new float[layer.paramCount()];
        ctx.state = new float[layer.stateCount()];
        layer.initState(ctx.state);
        for (int i = 0; i < ctx.state.length; i++) ctx.state[i] += (float) (0.5 * r.nextDouble());
        ctx.training = training;
        return ctx;
    }

    static float[] random(int len, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[len];
        for (int i = 0; i < len; i++) a[i] = (float) (scale * (2 * r.nextDouble() - 1));
        return a;
    }

    /**
     * Checks dx and dparams of {@code layer} on input x (n samples), at up to {@code samples}
     * randomly chosen coordinates of each. Returns the largest error ratio seen (must be < 1).
     */
    static double check(Layer layer, Context ctx, float[] x, int n, int samples, long seed) {
        return check(layer, ctx, x, n, samples, seed, ABS, REL);
    }

    /** {@link #check} with the agreement {@code |analytic - numeric| <= abs + rel * max(|analytic|, |numeric|)}. */
    static double check(Layer layer, Context ctx, float[] x, int n, int samples, long seed, double abs, double rel) {
        Object work = layer.allocate(n);
        int outLen = n * layer.outputShape().size(), inLen = n * layer.inputShape().size();
        float[] r = random(outLen, seed + 1, 1.0);
        float[] y = new float[outLen];
        float[] dx = new float[inLen];
        layer.forward(ctx, work, x, y, n);
        Arrays.fill(ctx.grads, 0f);
        layer.backward(ctx, work, x, y, r.clone(), dx, n);
        float[] dParams = ctx.grads.clone();

        double worst = 0;
        SplittableRandom pick = new SplittableRandom(seed + 2);
        for (int s = 0; s < Math.min(samples, inLen); s++) {
            int i = samples >= inLen ? s : pick.nextInt(inLen);
            final int at = i;
            worst = Math.max(worst, compareAtSteps(layer + " dx[" + i + "]", dx[i],
                    h -> numeric(layer, ctx, work, x, at, x, y, r, n, h), abs, rel));
        }
        for (int s = 0; s < Math.min(samples, ctx.params.length); s++) {
            int i = samples >= ctx.params.length ? s : pick.nextInt(ctx.params.length);
            final int at = i;
            worst = Math.max(worst, compareAtSteps(layer + " dparam[" + i + "]", dParams[i],
                    h -> numeric(layer, ctx, work, ctx.params, at, x, y, r, n, h), abs, rel));
        }
        return worst;
    }

    private static double numeric(Layer layer, Context ctx, Object work, float[] v, int i,
                                  float[] x, float[] y, float[] r, int n, double h) {
        float saved = v[i];
        v[i] = (float) (saved + h);
        double plus = objective(layer, ctx, work, x, y, r, n);
        v[i] = (float) (saved - h);
        double minus = objective(layer, ctx, work, x, y, r, n);
        v[i] = saved;
        // the float perturbation actually applied, not h itself
        double step = ((double) (float) (saved + h)) - ((double) (float) (saved - h));
        return (plus - minus) / step;
    }

    private static double objective(Layer layer, Context ctx, Object work, float[] x, float[] y, float[] r, int n) {
        layer.forward(ctx, work, x, y, n);
        double l = 0;
        for (int i = 0; i < r.length; i++) l += (double) y[i] * r[i];
        return l;
    }

    /** Compares at step H, retrying at H/10 and H/100 (see the class comment on kinks). */
    static double compareAtSteps(String what, double analytic, java.util.function.DoubleUnaryOperator numericAt) {
        return compareAtSteps(what, analytic, numericAt, ABS, REL);
    }

    static double compareAtSteps(String what, double analytic, java.util.function.DoubleUnaryOperator numericAt,
                                 double abs, double rel) {
        double h = H;
        for (int attempt = 0; attempt < 2; attempt++, h /= 10) {
            double numeric = numericAt.applyAsDouble(h);
            if (ratio(analytic, numeric, abs, rel) <= 1) return ratio(analytic, numeric, abs, rel);
        }
        return compare(what, analytic, numericAt.applyAsDouble(h), abs, rel);
    }

    private static double ratio(double analytic, double numeric, double abs, double rel) {
        return Math.abs(analytic - numeric) / (abs + rel * Math.max(Math.abs(analytic), Math.abs(numeric)));
    }

    static double compare(String what, double analytic, double numeric, double abs, double rel) {
        double allowed = abs + rel * Math.max(Math.abs(analytic), Math.abs(numeric));
        double ratio = Math.abs(analytic - numeric) / allowed;
        assertTrue(ratio <= 1, () -> what + ": analytic " + analytic + " vs numeric " + numeric
                + " (difference " + Math.abs(analytic - numeric) + ", allowed " + allowed + ")");
        return ratio;
    }
}
