package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardLoader;
import dev.sparkcnn.driver.data.ShardPlan;
import org.apache.hadoop.conf.Configuration;

import java.util.ArrayList;
import java.util.List;

/**
 * The single-process reference: all shards in this JVM, processed in shard order by one worker.
 * For model averaging it simulates the given number of partitions (each owning the same shards a
 * Spark partition would).
 */
public final class LocalGradientSource implements GradientSource {

    private final ShardPlan plan;
    private final List<Shard> shards = new ArrayList<>();
    private final List<Shard> testShards = new ArrayList<>();
    private final String specText;
    private final int capacity;
    private final int paramCount, stateCount, classes;
    private final int partitions;
    private final ShardStep.Settings settings;

    public LocalGradientSource(CifarFiles train, CifarFiles test, TrainConfig cfg, String specText, int partitions, Configuration conf) {
        this.plan = new ShardPlan(train.records(), cfg.shards());
        this.specText = specText;
        this.partitions = Math.max(1, partitions);
        for (int v = 0; v < plan.shards(); v++) shards.add(ShardLoader.load(train, plan, v, conf));
        if (test != null) {
            ShardPlan testPlan = new ShardPlan(test.records(), Math.min(cfg.shards(), (int) test.records()));
            for (int v = 0; v < testPlan.shards(); v++) testShards.add(ShardLoader.load(test, testPlan, v, conf));
        }
        long[] sums = new long[7];
        for (Shard s : shards) sums = Normalization.add(sums, Normalization.sums(s.block));
        this.settings = new ShardStep.Settings(cfg.seed(), cfg.augmentFlip(), cfg.augmentCrop(), Normalization.fromSums(sums));
        this.capacity = plan.maxSlice(cfg.batchSize());
        Worker w = Worker.borrow(specText, capacity);
        paramCount = w.network().paramCount();
        stateCount = w.network().stateCount();
        classes = w.network().outputShape().size();
        Worker.release(w);
    }

    @Override
    public ShardPlan plan() {
        return plan;
    }

    public Normalization normalization() {
        return settings.norm();
    }

    @Override
    public StepResult step(float[] params, long epoch, int step, int steps) {
        return PartitionWork.step(specText, capacity, shards.iterator(), params, epoch, step, steps, settings, paramCount, stateCount);
    }

    @Override
    public StepResult average(float[] params, long epoch, int step, int steps, int localSteps, float lr, float weightDecay) {
        StepResult total = null;
        for (int p = 0; p < partitions; p++) {
            int first = ShardPlan.firstShard(p, partitions, plan.shards()), last = ShardPlan.firstShard(p + 1, partitions, plan.shards());
            StepResult r = PartitionWork.average(specText, capacity, shards.subList(first, last), params, epoch, step, steps,
                    localSteps, lr, weightDecay, settings, paramCount, stateCount);
            total = total == null ? r : total.merge(r);
        }
        return total;
    }

    @Override
    public EvalResult evaluate(float[] params, float[] state) {
        if (testShards.isEmpty()) return null;
        return PartitionWork.evaluate(specText, Math.max(capacity, 64), testShards.iterator(), params, state, settings, classes);
    }

    @Override
    public boolean hasTestSet() {
        return !testShards.isEmpty();
    }

    @Override
    public void close() {
    }
}
