package dev.sparkcnn.driver.train;

import java.io.Serializable;

/**
 * What one step of one partition returns, and what the driver sums: the gradient of the summed
 * loss (not yet divided by the sample count), the batch-norm group statistics, the summed loss,
 * correct predictions, samples, normalisation groups, and the partition's measured times.
 * Merging is element-wise addition (times: the maximum, the slowest partition sets the pace).
 */
public final class StepResult implements Serializable {
    private static final long serialVersionUID = 1L;

    public float[] grad;
    public float[] stats;
    public double loss;
    public long correct;
    public long count;
    public long groups;
    /** Slowest partition's compute time and parameter-fetch time, nanoseconds. */
    public long computeNanos;
    public long fetchNanos;
    /** Driver side: creating the parameter broadcast, and the whole job (launch to merged result). */
    public long broadcastNanos;
    public long jobNanos;

    public StepResult() {
    }

    public StepResult(int params, int state) {
        grad = new float[params];
        stats = new float[state];
    }

    /** this += other. */
    public StepResult merge(StepResult other) {
        if (other == null) return this;
        if (grad == null) {
            grad = other.grad.clone();
            stats = other.stats.clone();
        } else {
            add(grad, other.grad);
            add(stats, other.stats);
        }
        loss += other.loss;
        correct += other.correct;
        count += other.count;
        groups += other.groups;
        computeNanos = Math.max(computeNanos, other.computeNanos);
        fetchNanos = Math.max(fetchNanos, other.fetchNanos);
        return this;
    }

    private static void add(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalStateException("cannot merge arrays of " + a.length + " and " + b.length);
        for (int i = 0; i < a.length; i++) a[i] += b[i];
    }
}
