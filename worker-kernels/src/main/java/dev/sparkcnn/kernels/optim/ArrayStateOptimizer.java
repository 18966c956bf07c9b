package dev.sparkcnn.kernels.optim;

import java.util.Arrays;

/**
 * What SGD and Adam share: a parameter count, state arrays of that length (momentum buffer; first
 * and second moments) and a step counter, with the accessors a checkpoint needs to save and restore
 * them exactly.
 */
abstract class ArrayStateOptimizer implements Optimizer {

    protected final int size;
    private final float[][] state;
    protected long steps;

    ArrayStateOptimizer(String kind, int size, int arrays) {
        if (size < 0) {
            throw new IllegalArgumentException(kind + " parameter count must be >= 0 but was " + size);
        }
        this.size = size;
        this.state = new float[arrays][size];
    }

    /** State array i (owned; updated in place by {@link #step}). */
    protected final float[] array(int i) {
        return state[i];
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final float[][] state() {
        return state;
    }

    @Override
    public final void setState(float[][] newState) {
        OptimizerChecks.copyState(name(), state, newState);
    }

    @Override
    public final long stepCount() {
        return steps;
    }

    @Override
    public final void setStepCount(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0 but was " + steps);
        }
        this.steps = steps;
    }

    @Override
    public final void reset() {
        for (float[] a : state) Arrays.fill(a, 0f);
        steps = 0;
    }
}
