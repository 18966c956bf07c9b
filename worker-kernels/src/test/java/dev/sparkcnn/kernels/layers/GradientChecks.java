package dev.sparkcnn.kernels.layers;

import java.util.function.DoubleUnaryOperator;

/** Public entry to the finite-difference comparison of {@link GradientCheck} for tests in other packages. */
public final class GradientChecks {

    private GradientChecks() {
    }

    /** Asserts that {@code analytic} matches the central difference {@code numericAt(h)} at h = 1e-2 (or 1e-3, 1e-4 near kinks). */
    public static double compareAtSteps(String what, double analytic, DoubleUnaryOperator numericAt) {
        return GradientCheck.compareAtSteps(what, analytic, numericAt);
    }
}
