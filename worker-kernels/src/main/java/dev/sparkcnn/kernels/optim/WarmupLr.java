package dev.sparkcnn.kernels.optim;

/**
 * A linear warm-up in front of another schedule. For the first {@code warmupSteps} steps the rate
 * rises in a straight line from {@code startFactor * inner.lr(0)} towards {@code inner.lr(0)};
 * from step {@code warmupSteps} on the inner schedule runs, shifted so that it starts at its own
 * step 0:
 *
 * <pre>
 *   step &lt; W:   lr = inner.lr(0) * (startFactor + (1 - startFactor) * step / W)
 *   step &gt;= W:  lr = inner.lr(step - W)
 * </pre>
 *
 * The shift is what makes the joint continuous at W whatever the inner schedule is; it also means
 * an inner cosine should be built for {@code total - W} steps (as {@link LrSchedule#named} does).
 */
public final class WarmupLr implements LrSchedule {

    private final LrSchedule inner;
    private final long warmupSteps;
    private final float startFactor;

    public WarmupLr(LrSchedule inner, long warmupSteps, float startFactor) {
        if (inner == null) {
            throw new IllegalArgumentException("warm-up needs the schedule it leads into but got null");
        }
        if (warmupSteps <= 0) {
            throw new IllegalArgumentException("warm-up length must be > 0 steps but was " + warmupSteps);
        }
        if (!(startFactor >= 0f && startFactor <= 1f)) {
            throw new IllegalArgumentException("warm-up start factor must be in [0, 1] but was " + startFactor);
        }
        this.inner = inner;
        this.warmupSteps = warmupSteps;
        this.startFactor = startFactor;
    }

    @Override
    public float lr(long step) {
        OptimizerChecks.checkScheduleStep(step);
        if (step >= warmupSteps) {
            return inner.lr(step - warmupSteps);
        }
        double factor = startFactor + (1.0 - startFactor) * step / warmupSteps;
        return (float) (inner.lr(0) * factor);
    }

    @Override
    public String toString() {
        return "warmup(" + warmupSteps + " from x" + startFactor + ") then " + inner;
    }
}
