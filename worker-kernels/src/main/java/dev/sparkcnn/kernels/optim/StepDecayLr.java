package dev.sparkcnn.kernels.optim;

import java.util.Arrays;

/**
 * Piecewise-constant decay: {@code lr(step) = baseLr * gamma^k}, where k is the number of
 * milestones &lt;= step. Two ways to give the milestones, as in PyTorch's StepLR and MultiStepLR:
 * {@link #every} (k = step / N, unbounded) and {@link #atMilestones} (an explicit increasing
 * list). A milestone is the first step that runs at the decayed rate.
 */
public final class StepDecayLr implements LrSchedule {

    private final float baseLr;
    private final float gamma;
    private final long every;          // > 0 for "every N steps", 0 when milestones are used
    private final long[] milestones;   // strictly increasing, > 0

    private StepDecayLr(float baseLr, float gamma, long every, long[] milestones) {
        if (!(baseLr >= 0f) || Float.isInfinite(baseLr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0 but was " + baseLr);
        }
        if (!(gamma > 0f && gamma <= 1f)) {
            throw new IllegalArgumentException("step decay factor gamma must be in (0, 1] but was " + gamma);
        }
        this.baseLr = baseLr;
        this.gamma = gamma;
        this.every = every;
        this.milestones = milestones;
    }

    /** Multiply by {@code gamma} every {@code everySteps} steps: at steps N, 2N, 3N, ... */
    public static StepDecayLr every(float baseLr, long everySteps, float gamma) {
        if (everySteps <= 0) {
            throw new IllegalArgumentException("step decay interval must be > 0 steps but was " + everySteps);
        }
        return new StepDecayLr(baseLr, gamma, everySteps, new long[0]);
    }

    /** Multiply by {@code gamma} at each of the given steps (strictly increasing, each &gt; 0). */
    public static StepDecayLr atMilestones(float baseLr, float gamma, long... milestones) {
        long[] ms = milestones.clone();
        for (int i = 0; i < ms.length; i++) {
            if (ms[i] <= 0 || (i > 0 && ms[i] <= ms[i - 1])) {
                throw new IllegalArgumentException("step decay milestones must be strictly increasing steps > 0 but were "
                        + Arrays.toString(ms) + " (problem at position " + i + ")");
            }
        }
        return new StepDecayLr(baseLr, gamma, 0, ms);
    }

    @Override
    public float lr(long step) {
        OptimizerChecks.checkScheduleStep(step);
        long k;
        if (every > 0) {
            k = step / every;
        } else {
            k = 0;
            while (k < milestones.length && milestones[(int) k] <= step) {
                k++;
            }
        }
        return (float) (baseLr * Math.pow(gamma, k));
    }

    @Override
    public String toString() {
        return every > 0
                ? "step(" + baseLr + ", x" + gamma + " every " + every + ")"
                : "step(" + baseLr + ", x" + gamma + " at " + Arrays.toString(milestones) + ")";
    }
}
