package dev.sparkcnn.kernels.loss;

/**
 * Central finite differences for a loss of float logits, evaluated in double. The perturbed
 * input is stored as a float, so the step actually taken is {@code (float)(x+h) - (float)(x-h)},
 * computed exactly in double and used as the denominator; that removes the float rounding of
 * the step from the comparison.
 */
final class GradientCheck {

    /** A scalar function of a float vector (evaluated in double). */
    interface Objective {
        double value(float[] x);
    }

    private GradientCheck() {
    }

    /** d objective / d x[i] for every i, by central differences of step h. x is restored afterwards. */
    static double[] numericGradient(Objective f, float[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            float orig = x[i];
            float plus = (float) (orig + h);
            float minus = (float) (orig - h);
            x[i] = plus;
            double fPlus = f.value(x);
            x[i] = minus;
            double fMinus = f.value(x);
            x[i] = orig;
            g[i] = (fPlus - fMinus) / ((double) plus - (double) minus);
        }
        return g;
    }

    /**
     * Largest |analytic - numeric| / max(|analytic| + |numeric|, floor) over all elements, printed
     * with where it occurred; the floor keeps elements whose gradient is ~0 from dominating.
     */
    static double maxRelativeError(String what, float[] analytic, double[] numeric, double floor) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < numeric.length; i++) {
            double err = Math.abs(analytic[i] - numeric[i]) / Math.max(Math.abs(analytic[i]) + Math.abs(numeric[i]), floor);
            if (err > worst) {
                worst = err;
                at = i;
            }
        }
        System.out.printf("%s: largest relative gradient error %.3e at element %d%s%n", what, worst, at,
                at < 0 ? "" : String.format(" (analytic %.6g, numeric %.6g)", analytic[at], numeric[at]));
        return worst;
    }
}
