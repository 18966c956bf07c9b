package dev.sparkcnn.kernels.optim;

/** Argument checks shared by the optimizers, with errors that name what was given and what was expected. */
final class OptimizerChecks {

    private OptimizerChecks() {
    }

    /** Checks that {@code state} matches {@code own} in count and lengths, then copies it in. */
    static void copyState(String optimizer, float[][] own, float[][] state) {
        if (state == null || state.length != own.length) {
            throw new IllegalArgumentException(optimizer + " state has " + own.length + " arrays but "
                    + (state == null ? "null" : state.length + " arrays") + " were given");
        }
        for (int i = 0; i < own.length; i++) {
            if (state[i] == null || state[i].length != own[i].length) {
                throw new IllegalArgumentException(optimizer + " state array " + i + " must have "
                        + own[i].length + " elements (one per parameter) but has "
                        + (state[i] == null ? "none (null)" : String.valueOf(state[i].length)));
            }
            System.arraycopy(state[i], 0, own[i], 0, own[i].length);
        }
    }

    /** The argument checks every {@link #step} makes: array sizes against the parameter count. */
    static void checkStep(String optimizer, int size, float[] params, float[] grads, float lr) {
        if (params.length != size) {
            throw new IllegalArgumentException(optimizer + " was built for " + size
                    + " parameters but the parameter array has " + params.length);
        }
        if (grads.length < size) {
            throw new IllegalArgumentException(optimizer + " needs a gradient of at least " + size
                    + " elements (one per parameter) but got " + grads.length);
        }
        if (!(lr >= 0f) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException(optimizer + " learning rate must be finite and >= 0 but was " + lr);
        }
    }

    /** The check every learning-rate schedule makes on its argument. */
    static void checkScheduleStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("learning-rate schedule asked for step " + step
                    + "; steps count optimizer updates from 0");
        }
    }
}
