package dev.sparkcnn.kernels.optim;

/**
 * The parameter update rule, as pure math on one flat parameter vector: given the parameters
 * and the already-averaged gradient of the global mini-batch, move the parameters. The driver
 * calls {@link #step} once per training step after the gradient has been aggregated; the
 * optimizer knows nothing of layers, batches or Spark.
 *
 * <pre>
 *   params is (size)   the flat parameter vector, updated in place
 *   grads  is (size+)  the averaged gradient; only the first size() elements are read, so an
 *                      aggregation buffer with extra trailing slots (loss, count) can be passed as is
 * </pre>
 *
 * <p>An optimizer owns its state (momentum buffers, moment estimates), allocated once at
 * construction for a fixed parameter count, so {@code step} allocates nothing. For checkpoints
 * the state is exposed as a list of float arrays plus a step counter: writing {@link #state()}
 * and {@link #stepCount()} out and feeding them back through {@link #setState} and
 * {@link #setStepCount} continues training bit for bit as if it had never stopped.
 *
 * <p>Not thread-safe; the driver owns exactly one.
 */
public interface Optimizer {

    /**
     * One update: {@code params -= lr * direction(grads, state)}, then the step counter
     * increments. The learning rate comes from the caller (usually an {@link LrSchedule} at
     * {@link #stepCount()}) so schedules and optimizers combine freely.
     */
    void step(float[] params, float[] grads, float lr);

    /** Number of parameters this optimizer was built for. */
    int size();

    /** Short name for logs and checkpoint metadata, e.g. "sgd" or "adamw". */
    String name();

    /**
     * The state arrays themselves (not copies), each of length {@link #size()}, in a fixed
     * order documented by the implementation; empty for plain SGD without momentum. Callers
     * that keep them while training continues must copy them.
     */
    float[][] state();

    /**
     * Overwrites the state with copies of {@code state}, which must have the same number of
     * arrays as {@link #state()} and each of length {@link #size()}.
     */
    void setState(float[][] state);

    /** Number of steps taken so far (restored from checkpoints; Adam's bias correction uses it). */
    long stepCount();

    void setStepCount(long steps);

    /** Zeroes the state and the step counter, as after construction. */
    void reset();
}
