package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.Shard;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * What one partition does in a step, over the shards it owns, in shard order: the same code runs
 * in a Spark task and in the local reference trainer.
 */
final class PartitionWork {

    private PartitionWork() {
    }

    /** Gradient sums of the partition's shards for one step. */
    static StepResult step(String specText, int capacity, Iterator<Shard> shards, float[] params, long epoch, int step,
                           int steps, ShardStep.Settings s, int paramCount, int stateCount) {
        long t0 = System.nanoTime();
        StepResult r = new StepResult(paramCount, stateCount);
        Worker w = Worker.borrow(specText, capacity);
        try {
            s.failures().at(FailureInjection.Point.BEFORE_WORK, epoch, step, steps);
            for (boolean first = true; shards.hasNext(); first = false) {
                ShardStep.train(w, shards.next(), params, epoch, step, steps, s, r, first);
            }
        } finally {
            Worker.release(w);
        }
        r.computeNanos = System.nanoTime() - t0;
        return r;
    }

    /**
     * Model averaging: {@code localSteps} steps of plain SGD from {@code params} on this partition's
     * shards; returns samples x final parameters in {@code grad}, summed BN statistics and losses.
     */
    static StepResult average(String specText, int capacity, List<Shard> shards, float[] params, long epoch, int step,
                              int steps, int localSteps, float lr, float weightDecay, ShardStep.Settings s,
                              int paramCount, int stateCount) {
        long t0 = System.nanoTime();
        float[] local = params.clone();
        StepResult total = new StepResult(paramCount, stateCount);
        StepResult one = new StepResult(paramCount, stateCount);
        Worker w = Worker.borrow(specText, capacity);
        try {
            s.failures().at(FailureInjection.Point.BEFORE_WORK, epoch, step, steps);
            for (int k = 0; k < localSteps && step + k < steps; k++) {
                Arrays.fill(one.grad, 0f);
                Arrays.fill(one.stats, 0f);
                one.loss = 0;
                one.correct = 0;
                one.count = 0;
                one.groups = 0;
                for (int v = 0; v < shards.size(); v++) ShardStep.train(w, shards.get(v), local, epoch, step + k, steps, s, one, v == 0);
                if (one.count == 0) continue;
                float inv = 1f / one.count;
                for (int i = 0; i < local.length; i++) local[i] -= lr * (one.grad[i] * inv + weightDecay * local[i]);
                for (int i = 0; i < one.stats.length; i++) total.stats[i] += one.stats[i];
                total.loss += one.loss;
                total.correct += one.correct;
                total.count += one.count;
                total.groups += one.groups;
            }
        } finally {
            Worker.release(w);
        }
        for (int i = 0; i < local.length; i++) total.grad[i] = local[i] * total.count;
        total.computeNanos = System.nanoTime() - t0;
        return total;
    }

    static EvalResult evaluate(String specText, int capacity, Iterator<Shard> shards, float[] params, float[] state,
                               ShardStep.Settings s, int classes) {
        EvalResult r = new EvalResult(classes);
        Worker w = Worker.borrow(specText, capacity);
        try {
            while (shards.hasNext()) ShardStep.evaluate(w, shards.next(), params, state, s.norm(), r);
        } finally {
            Worker.release(w);
        }
        return r;
    }
}
