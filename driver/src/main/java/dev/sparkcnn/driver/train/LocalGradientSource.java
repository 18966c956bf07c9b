package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardLoader;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.kernels.data.CifarBlock;
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
    private final List<Shard> shards;
    private final List<Shard> testShards;
    private final String specText;
    private final int capacity;
    private final int paramCount, stateCount, classes;
    private final int partitions;
    private final ShardStep.Settings settings;

    public LocalGradientSource(CifarFiles train, CifarFiles test, TrainConfig cfg, String specText, int partitions, Configuration conf) {
        this(Data.load(train, test, cfg.shards(), conf), cfg, specText, partitions);
    }

    /** Over shards already in memory (see {@link Data}); they are shared, not copied. */
    public LocalGradientSource(Data data, TrainConfig cfg, String specText, int partitions) {
        if (data.plan.shards() != cfg.shards()) {
            throw new IllegalArgumentException("the data was cut into " + data.plan.shards() + " shards, the config has data.shards = " + cfg.shards());
        }
        CifarBlock first = data.train.get(0).block;
        dev.sparkcnn.driver.model.CifarCompatibility.require(
                dev.sparkcnn.kernels.spec.ModelSpec.parse(specText, "the model spec").build(),
                cfg.model().contains("\n") ? "the inline model spec" : "model spec " + cfg.model(),
                new dev.sparkcnn.kernels.tensor.Shape(first.channels(), first.height(), first.width()), first.classes(), "the training data");
        this.plan = data.plan;
        this.shards = data.train;
        this.testShards = data.test;
        this.specText = specText;
        this.partitions = Math.max(1, partitions);
        this.settings = new ShardStep.Settings(cfg.seed(), cfg.augmentFlip(), cfg.augmentCrop(), data.norm);
        this.capacity = plan.maxSlice(cfg.batchSize());
        Worker w = Worker.borrow(specText, capacity);
        paramCount = w.network().paramCount();
        stateCount = w.network().stateCount();
        classes = w.network().outputShape().size();
        Worker.release(w);
    }

    /**
     * A training set (and optionally a test set) cut into the shards of a {@link ShardPlan}, in this
     * JVM, with the training set's normalisation: what a single-process run reads, built once and
     * shareable by any number of runs with the same {@code data.shards}.
     */
    public static final class Data {
        final ShardPlan plan;
        final List<Shard> train;
        final List<Shard> test;
        final Normalization norm;

        private Data(ShardPlan plan, List<Shard> train, List<Shard> test) {
            this.plan = plan;
            this.train = List.copyOf(train);
            this.test = List.copyOf(test);
            long[] sums = null;
            for (Shard s : train) sums = sums == null ? Normalization.sums(s.block) : Normalization.add(sums, Normalization.sums(s.block));
            this.norm = Normalization.fromSums(sums);
        }

        /** Reads the files' shards through Hadoop. */
        public static Data load(CifarFiles train, CifarFiles test, int shards, Configuration conf) {
            ShardPlan plan = new ShardPlan(train.records(), shards);
            List<Shard> tr = new ArrayList<>(), te = new ArrayList<>();
            for (int v = 0; v < plan.shards(); v++) tr.add(ShardLoader.load(train, plan, v, conf));
            if (test != null) {
                ShardPlan testPlan = testPlan(test.records(), shards);
                for (int v = 0; v < testPlan.shards(); v++) te.add(ShardLoader.load(test, testPlan, v, conf));
            }
            return new Data(plan, tr, te);
        }

        /** Reads and decodes any source's shards (to the given input shape) in this JVM: the reference for Spark runs. */
        public static Data load(dev.sparkcnn.driver.data.ImageSource train, dev.sparkcnn.driver.data.ImageSource test, int shards,
                                dev.sparkcnn.kernels.tensor.Shape in, long maxPixels, Configuration conf) {
            dev.sparkcnn.driver.data.ImageDecoder decoder = new dev.sparkcnn.driver.data.ImageDecoder(in.channels(), in.height(),
                    in.width(), maxPixels);
            ShardPlan plan = new ShardPlan(train.records(), shards);
            List<Shard> tr = new ArrayList<>(), te = new ArrayList<>();
            for (int v = 0; v < plan.shards(); v++) {
                tr.add(ShardLoader.load(train, plan, v, decoder, in.channels(), in.height(), in.width(), conf));
            }
            if (test != null) {
                ShardPlan testPlan = testPlan(test.records(), shards);
                for (int v = 0; v < testPlan.shards(); v++) {
                    te.add(ShardLoader.load(test, testPlan, v, decoder, in.channels(), in.height(), in.width(), conf));
                }
            }
            return new Data(plan, tr, te);
        }

        /** Cuts in-memory blocks into shards (copies of the slices); {@code test} may be null. */
        public static Data of(CifarBlock train, CifarBlock test, int shards) {
            ShardPlan plan = new ShardPlan(train.size(), shards);
            List<Shard> tr = new ArrayList<>(), te = new ArrayList<>();
            for (int v = 0; v < plan.shards(); v++) tr.add(slice(train, plan, v));
            if (test != null) {
                ShardPlan testPlan = testPlan(test.size(), shards);
                for (int v = 0; v < testPlan.shards(); v++) te.add(slice(test, testPlan, v));
            }
            return new Data(plan, tr, te);
        }

        public Normalization normalization() {
            return norm;
        }

        static Shard slice(CifarBlock block, ShardPlan plan, int v) {
            int from = (int) plan.shardStart(v);
            return new Shard(v, from, block.slice(from, from + plan.shardSize(v)));
        }

        /**
         * Test sets are cut into as many shards as the training set (more only when a shard would be too
         * large), and never into empty ones.
         */
        static ShardPlan testPlan(long records, int shards) {
            return new ShardPlan(records, (int) Math.min(Math.max(shards, ShardPlan.minShards(records)), records));
        }
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
