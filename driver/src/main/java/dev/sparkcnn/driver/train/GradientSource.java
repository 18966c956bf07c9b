package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.ShardPlan;

/**
 * Where a step's gradient comes from: Spark partitions ({@link SparkGradientSource}) or this
 * process ({@link LocalGradientSource}, the reference). Both compute, for the same parameters and
 * step, the same sums over the same global batch.
 */
public interface GradientSource extends AutoCloseable {

    ShardPlan plan();

    /** Sums over the global batch of step {@code step} (of {@code steps}) in {@code epoch}. */
    StepResult step(float[] params, long epoch, int step, int steps);

    /**
     * Model averaging: every partition starts from {@code params}, runs {@code localSteps} steps of
     * plain SGD at {@code lr} (with {@code weightDecay}) on its own shards' slices of steps
     * {@code step .. step+localSteps-1}, and the result's {@code grad} holds the sum over partitions
     * of (samples x final parameters); its {@code count} the samples.
     */
    StepResult average(float[] params, long epoch, int step, int steps, int localSteps, float lr, float weightDecay);

    /** Evaluation of the test set (null if there is none). */
    EvalResult evaluate(float[] params, float[] state);

    boolean hasTestSet();

    /** Frees what the source holds between steps when a run stops (the streaming exchange's epoch job); a next step starts it again. */
    default void release() {
    }

    @Override
    void close();
}
