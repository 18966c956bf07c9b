package dev.sparkcnn.kernels.optim;

import java.util.Locale;

/**
 * The learning rate as a function of the optimizer step: {@code lr(step)} with step 0-based,
 * counting optimizer updates (not epochs, not samples). The driver asks for
 * {@code schedule.lr(optimizer.stepCount())} before each {@link Optimizer#step}, so a restored
 * run picks the schedule up where it left off.
 *
 * <p>Implementations: {@link ConstantLr}, {@link StepDecayLr} (every N steps or at milestones),
 * {@link CosineLr} (annealing to a floor) and {@link WarmupLr}, a linear warm-up in front of any
 * of them ({@link #withWarmup}). Schedules are immutable and allocation-free.
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate for optimizer step {@code step} (0-based, &gt;= 0). */
    float lr(long step);

    /** This schedule behind a linear warm-up of {@code warmupSteps} steps starting at {@code startFactor} times its first value. */
    default LrSchedule withWarmup(long warmupSteps, float startFactor) {
        return warmupSteps == 0 ? this : new WarmupLr(this, warmupSteps, startFactor);
    }

    static LrSchedule constant(float lr) {
        return new ConstantLr(lr);
    }

    static LrSchedule cosine(float baseLr, float minLr, long totalSteps) {
        return new CosineLr(baseLr, minLr, totalSteps);
    }

    static LrSchedule stepDecay(float baseLr, long everySteps, float gamma) {
        return StepDecayLr.every(baseLr, everySteps, gamma);
    }

    /**
     * A schedule by name, as written in training configs, with defaults that need only the base
     * rate and the planned number of steps (warm-up included):
     * <ul>
     *   <li>{@code constant}: {@code baseLr} throughout;</li>
     *   <li>{@code cosine}: cosine annealing from {@code baseLr} to 0 over the steps after the warm-up;</li>
     *   <li>{@code step}: multiply by 0.1 at 50% and 75% of the total steps.</li>
     * </ul>
     * A {@code warmupSteps} &gt; 0 puts a linear warm-up from {@code 0.1 * baseLr} in front.
     */
    static LrSchedule named(String name, float baseLr, long totalSteps, long warmupSteps) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("learning-rate schedule needs the total number of steps (> 0) but got "
                    + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("warm-up of " + warmupSteps + " steps must be >= 0 and shorter than the "
                    + totalSteps + " total steps");
        }
        long after = totalSteps - warmupSteps;
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        LrSchedule body;
        switch (key) {
            case "constant":
                body = constant(baseLr);
                break;
            case "cosine":
                body = cosine(baseLr, 0f, after);
                break;
            case "step":
                body = StepDecayLr.atMilestones(baseLr, 0.1f, Math.max(1, after / 2), Math.max(2, after * 3 / 4));
                break;
            default:
                throw new IllegalArgumentException("unknown learning-rate schedule '" + name
                        + "'; expected one of: constant, cosine, step");
        }
        return body.withWarmup(warmupSteps, 0.1f);
    }
}
