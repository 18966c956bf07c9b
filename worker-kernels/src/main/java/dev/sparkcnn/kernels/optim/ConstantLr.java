package dev.sparkcnn.kernels.optim;

/** The same learning rate at every step. */
public final class ConstantLr implements LrSchedule {

    private final float lr;

    public ConstantLr(float lr) {
        if (!(lr >= 0f) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0 but was " + lr);
        }
        this.lr = lr;
    }

    @Override
    public float lr(long step) {
        OptimizerChecks.checkScheduleStep(step);
        return lr;
    }

    @Override
    public String toString() {
        return "constant(" + lr + ")";
    }
}
