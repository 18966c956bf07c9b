package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.ImageFiller;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.data.Seeds;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.loss.Loss;

/**
 * The work of one shard in one step, the same code in a Spark task and in the single-process
 * trainer: fill the shard's slice of the global batch (normalised, optionally augmented), run
 * forward, loss and backward once over the slice (one batch-norm group), and add the summed-loss
 * gradient and statistics into a {@link StepResult}.
 */
public final class ShardStep {

    private ShardStep() {
    }

    /** Settings a step needs besides the parameters; small and serializable. {@code failures} is a test hook. */
    public record Settings(long seed, boolean flip, boolean crop, Normalization norm, FailureInjection failures)
            implements java.io.Serializable {
        public Settings(long seed, boolean flip, boolean crop, Normalization norm) {
            this(seed, flip, crop, norm, FailureInjection.NONE);
        }
    }

    public static void train(Worker w, Shard shard, float[] params, long epoch, int step, int steps, Settings s, StepResult into) {
        train(w, shard, params, epoch, step, steps, s, into, false);
    }

    /**
     * The shard's slice of step {@code step}; {@code first} says it is the first slice the partition
     * computes in this step, where {@link FailureInjection} may interrupt it after the forward pass or
     * once its gradient is in the partition's sums.
     */
    static void train(Worker w, Shard shard, float[] params, long epoch, int step, int steps, Settings s, StepResult into,
                      boolean first) {
        CifarBlock block = shard.block;
        int[] order = shard.order(s.seed(), epoch);
        int from = ShardPlan.sliceStart(block.size(), step, steps), to = ShardPlan.sliceStart(block.size(), step + 1, steps);
        int n = to - from;
        if (n == 0) return;
        if (n > w.ws.capacity()) {
            throw new IllegalStateException("shard " + shard.index + " contributes " + n + " samples to step " + step
                    + " but the worker holds " + w.ws.capacity());
        }
        ImageFiller filler = w.filler(s.norm());
        Context ctx = w.ws.context();
        int size = w.net.inputShape().size();
        for (int j = 0; j < n; j++) {
            int local = order[from + j];
            long record = shard.firstRecord + local;
            if (s.flip() || s.crop()) filler.fillAugmented(block, local, w.x, j * size, s.seed(), epoch, record, s.crop(), s.flip());
            else filler.fill(block, local, w.x, j * size);
            w.labels[j] = block.label(local);
            ctx.sampleKeys[j] = Seeds.sampleKey(epoch, record);
        }
        ctx.params = params;
        ctx.grads = into.grad;
        ctx.stats = into.stats;
        ctx.training = true;
        ctx.normGroupSize = 0;   // the slice is one batch-norm group
        ctx.dropoutSeed = Seeds.mix(s.seed(), 0xD50L);
        // Workspace.trainStep's forward, loss and backward, with the failure points between them
        float[] logits = w.ws.forward(w.x, n);
        int classes = w.net.outputShape().size();
        int correct = Loss.correct(logits, n, classes, w.labels, 0);
        double loss = w.loss.forwardBackward(logits, n, classes, w.labels, 0, w.dLogits, 1f);
        if (first) s.failures().at(FailureInjection.Point.AFTER_FORWARD, epoch, step, steps);
        w.ws.backward(w.dLogits, n);
        into.loss += loss;
        into.correct += correct;
        into.count += n;
        into.groups += 1;
        if (first) s.failures().at(FailureInjection.Point.DURING_BACKWARD, epoch, step, steps);
    }

    /** Evaluation of every record of a shard with running statistics: loss, correct and the confusion matrix. */
    public static void evaluate(Worker w, Shard shard, float[] params, float[] state, Normalization norm, EvalResult into) {
        CifarBlock block = shard.block;
        ImageFiller filler = w.filler(norm);
        Context ctx = w.ws.context();
        ctx.params = params;
        ctx.state = state;
        ctx.stats = null;
        ctx.training = false;
        int size = w.net.inputShape().size(), classes = w.net.outputShape().size(), cap = w.ws.capacity();
        for (int start = 0; start < block.size(); start += cap) {
            int n = Math.min(cap, block.size() - start);
            for (int j = 0; j < n; j++) {
                filler.fill(block, start + j, w.x, j * size);
                w.labels[j] = block.label(start + j);
            }
            float[] logits = w.ws.forward(w.x, n);
            into.loss += w.loss.forwardBackward(logits, n, classes, w.labels, 0, null, 1f);
            for (int j = 0; j < n; j++) {
                int predicted = Loss.argmax(logits, j * classes, classes);
                into.add(w.labels[j], predicted);
            }
        }
    }
}
