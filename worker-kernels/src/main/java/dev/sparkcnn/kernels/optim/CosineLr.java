package dev.sparkcnn.kernels.optim;

/**
 * Cosine annealing (Loshchilov and Hutter, SGDR, without restarts) from {@code baseLr} at step 0
 * to {@code minLr} at step {@code totalSteps}, and {@code minLr} after that:
 *
 * <pre>
 *   lr(step) = minLr + (baseLr - minLr) * (1 + cos(pi * min(step, totalSteps) / totalSteps)) / 2
 * </pre>
 */
public final class CosineLr implements LrSchedule {

    private final float baseLr;
    private final float minLr;
    private final long totalSteps;

    public CosineLr(float baseLr, float minLr, long totalSteps) {
        if (!(baseLr >= 0f) || Float.isInfinite(baseLr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0 but was " + baseLr);
        }
        if (!(minLr >= 0f && minLr <= baseLr)) {
            throw new IllegalArgumentException("cosine floor minLr must be in [0, baseLr=" + baseLr + "] but was " + minLr);
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("cosine annealing needs totalSteps > 0 but got " + totalSteps);
        }
        this.baseLr = baseLr;
        this.minLr = minLr;
        this.totalSteps = totalSteps;
    }

    @Override
    public float lr(long step) {
        OptimizerChecks.checkScheduleStep(step);
        double progress = (double) Math.min(step, totalSteps) / totalSteps;
        return (float) (minLr + (baseLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress)));
    }

    @Override
    public String toString() {
        return "cosine(" + baseLr + " -> " + minLr + " over " + totalSteps + ")";
    }
}
