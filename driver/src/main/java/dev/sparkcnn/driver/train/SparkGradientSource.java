package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.HadoopConf;
import dev.sparkcnn.driver.data.ImageDecoder;
import dev.sparkcnn.driver.data.ImageSource;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardLoader;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Gradients from Spark: the training shards live cached in P partitions (uint8 images, each
 * partition a contiguous run of whole shards). A step broadcasts the parameters, runs one job in
 * which every partition computes the gradient sums of its shards' slices, collects the P results
 * and adds them in partition order (a fixed order, so a run is bitwise reproducible for a given
 * partitioning; tree aggregation would merge in task-completion order), and destroys the broadcast.
 *
 * <p>A failed task is simply rerun by Spark: it recomputes the same sums from the same broadcast
 * parameters and the same shards, and only one attempt's result reaches the driver.
 *
 * <p>{@code exchange = stream} (what {@code auto} becomes where the cluster has a task slot per
 * partition, see {@link GangScheduling}) replaces the job per step by one barrier job per epoch whose
 * tasks exchange with the driver every step through {@link StreamExchange}; the sums and their order
 * are the same, so are the parameters.
 */
public final class SparkGradientSource implements GradientSource {

    private final JavaSparkContext jsc;
    private final ShardPlan plan;
    private final JavaRDD<Shard> shards;
    private final JavaRDD<Shard> testShards;
    private final String specText;
    private final int capacity, paramCount, stateCount, classes, partitions;
    private final ShardStep.Settings settings;
    private final GangScheduling.Resolution resolution;
    private final long exchangeTimeoutMs;
    private final long skipped;
    private long globalStep;
    // exchange = stream: the endpoint on the driver's RpcEnv, and the running epoch's barrier job
    private volatile StreamExchange exchange;
    private EpochJob epochJob;
    private static final java.util.concurrent.atomic.AtomicLong EPOCH_JOBS = new java.util.concurrent.atomic.AtomicLong();

    /** One epoch's barrier job: the thread that waits for it, its job group, and its own failure. */
    private record EpochJob(long epoch, String group, Thread thread, java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
    }

    public SparkGradientSource(JavaSparkContext jsc, CifarFiles train, CifarFiles test, TrainConfig cfg, String specText, int partitions) {
        this(jsc, (ImageSource) train, test, cfg, specText, partitions);
    }

    /**
     * Any {@link ImageSource} (CIFAR-10/100 binary, an image folder tree): the driver holds its index
     * only; every partition reads and decodes its own shards to the spec's input shape
     * ({@link ShardLoader}, {@link ImageDecoder} with {@code data.max.pixels}) and caches them.
     */
    public SparkGradientSource(JavaSparkContext jsc, ImageSource train, ImageSource test, TrainConfig cfg, String specText, int partitions) {
        this(jsc, train.records(), (plan, p) -> load(jsc, train, plan, p, "training shards", specText, cfg),
                test == null ? null : (plan, p) -> load(jsc, test, plan, p, "test shards", specText, cfg),
                test == null ? 0 : test.records(), cfg, specText, partitions, null, train.classNames().size(), train.description());
    }

    /**
     * Shards built by the caller (e.g. from a DataFrame's own partitions, see the Spark ML API): {@code train}
     * must return an RDD of the plan's shards, partition p holding shards
     * {@code [ShardPlan.firstShard(p), ShardPlan.firstShard(p + 1))} in order; {@code input} and
     * {@code classes} describe them.
     */
    public static SparkGradientSource fromShards(JavaSparkContext jsc, long trainRecords, ShardSource train, ShardSource test,
                                                 long testRecords, TrainConfig cfg, String specText, int partitions,
                                                 dev.sparkcnn.kernels.tensor.Shape input, int classes, String what) {
        return new SparkGradientSource(jsc, trainRecords, train, test, testRecords, cfg, specText, partitions, input, classes, what);
    }

    /**
     * Training (and optionally test) images already in the driver's memory, e.g. collected from a
     * DataFrame or carved into a validation split: they are cut into the same shards and cached in
     * the partitions, and training is exactly as from files.
     */
    public static SparkGradientSource fromBlocks(JavaSparkContext jsc, CifarBlock train, CifarBlock test, TrainConfig cfg,
                                                 String specText, int partitions) {
        return new SparkGradientSource(jsc, train.size(), (plan, p) -> parallelize(jsc, train, plan, p, "training shards"),
                test == null ? null : (plan, p) -> parallelize(jsc, test, plan, p, "test shards"),
                test == null ? 0 : test.size(), cfg, specText, partitions,
                new dev.sparkcnn.kernels.tensor.Shape(train.channels(), train.height(), train.width()), train.classes(), "the training data");
    }

    /** Cuts a data set into the plan's shards, cached in {@code partitions} partitions. */
    public interface ShardSource {
        JavaRDD<Shard> load(ShardPlan plan, int partitions);
    }

    private SparkGradientSource(JavaSparkContext jsc, long trainRecords, ShardSource train, ShardSource test, long testRecords,
                                TrainConfig cfg, String specText, int partitions, dev.sparkcnn.kernels.tensor.Shape input,
                                int dataClasses, String what) {
        this.jsc = jsc;
        dev.sparkcnn.driver.model.CifarCompatibility.require(
                dev.sparkcnn.kernels.spec.ModelSpec.parse(specText, "the model spec").build(),
                cfg.model().contains("\n") ? "the inline model spec" : "model spec " + cfg.model(), input, dataClasses, what);
        this.plan = new ShardPlan(trainRecords, cfg.shards())
                .requireFits(dev.sparkcnn.kernels.spec.ModelSpec.parse(specText, "the model spec").build().inputShape().size());
        this.specText = specText;
        if (partitions > plan.shards()) {
            throw new ConfigException("partitions = " + partitions + " is more than data.shards = " + plan.shards()
                    + " (partitions own whole shards); raise data.shards or lower partitions");
        }
        this.partitions = partitions;
        this.resolution = GangScheduling.resolve(jsc, cfg, partitions);
        this.exchangeTimeoutMs = cfg.getInt("exchange.timeout") * 1000L;
        org.slf4j.LoggerFactory.getLogger(SparkGradientSource.class).info("exchange: {}", resolution);
        this.shards = train.load(plan, partitions);
        if (test != null) {
            ShardPlan testPlan = LocalGradientSource.Data.testPlan(testRecords, cfg.shards());
            this.testShards = test.load(testPlan, Math.min(partitions, testPlan.shards()));
        } else {
            this.testShards = null;
        }
        long[] sums = shards.map(s -> Normalization.sums(s.block)).reduce(Normalization::add);
        this.skipped = shards.map(s -> s.skipped).reduce(Long::sum);
        this.settings = new ShardStep.Settings(cfg.seed(), cfg.augmentFlip(), cfg.augmentCrop(), Normalization.fromSums(sums),
                FailureInjection.fromSystemProperty());
        this.capacity = plan.maxSlice(cfg.batchSize());
        Worker w = Worker.borrow(specText, capacity);
        paramCount = w.network().paramCount();
        stateCount = w.network().stateCount();
        classes = w.network().outputShape().size();
        Worker.release(w);
    }

    /**
     * Reads the shards in the partitions that will own them, decoding to the spec's input shape, caches
     * and materialises them (validating labels now).
     */
    private static JavaRDD<Shard> load(JavaSparkContext jsc, ImageSource files, ShardPlan plan, int partitions, String name,
                                       String specText, TrainConfig cfg) {
        HadoopConf conf = new HadoopConf(jsc.hadoopConfiguration());
        List<Integer> ids = new ArrayList<>();
        IntStream.range(0, plan.shards()).forEach(ids::add);
        dev.sparkcnn.kernels.tensor.Shape in = dev.sparkcnn.kernels.spec.ModelSpec.parse(specText, "the model spec").build().inputShape();
        int c = in.channels(), h = in.height(), w = in.width();
        ImageDecoder decoder = new ImageDecoder(c, h, w, cfg.getLong("data.max.pixels"));
        JavaRDD<Shard> rdd = jsc.parallelize(ids, partitions)
                .map(v -> ShardLoader.load(files, plan, v, decoder, c, h, w, conf.get()))
                .setName(name + " (" + files.records() + " records)")
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            rdd.count();
        } catch (Exception e) {   // SparkException is checked, but Scala throws it from count()
            rdd.unpersist(false);
            throw unwrap(e);
        }
        return rdd;
    }

    /**
     * Shards of an in-memory block: the block is broadcast once (not shipped inside every task)
     * and each partition slices its shards out of it. The broadcast stays alive as the cached
     * shards' lineage, so a lost partition can be rebuilt.
     */
    private static JavaRDD<Shard> parallelize(JavaSparkContext jsc, CifarBlock block, ShardPlan plan, int partitions, String name) {
        Broadcast<CifarBlock> all = jsc.broadcast(block);
        List<Integer> ids = new ArrayList<>();
        IntStream.range(0, plan.shards()).forEach(ids::add);
        JavaRDD<Shard> rdd = jsc.parallelize(ids, partitions)
                .map(v -> LocalGradientSource.Data.slice(all.value(), plan, v))
                .setName(name + " (" + block.size() + " records)")
                .persist(StorageLevel.MEMORY_ONLY());
        rdd.count();
        return rdd;
    }

    /** Spark wraps a task's exception in a stage-failure message; surface our own message as the error. */
    static RuntimeException unwrap(Exception e) {
        String msg = String.valueOf(e.getMessage());
        for (String type : new String[] {"dev.sparkcnn.driver.data.DataException: "}) {
            int at = msg.indexOf(type);
            if (at >= 0) {
                String rest = msg.substring(at + type.length());
                int end = rest.indexOf('\n');
                return new dev.sparkcnn.driver.data.DataException(end >= 0 ? rest.substring(0, end) : rest, e);
            }
        }
        return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
    }

    @Override
    public ShardPlan plan() {
        return plan;
    }

    public Normalization normalization() {
        return settings.norm();
    }

    public int partitions() {
        return partitions;
    }

    /** Training records skipped as unreadable ({@code data.skip.unreadable = true}). */
    public long skipped() {
        return skipped;
    }

    /** What a partition computes from its shards and the broadcast parameters, in one job. */
    private interface PartitionTask extends java.io.Serializable {
        StepResult run(Iterator<Shard> shards, float[] params) throws Exception;
    }

    /**
     * One job: broadcast the parameters, run {@code task} in every partition (timing the parameter
     * fetch), collect the P results and add them in partition order, destroy the broadcast.
     */
    private StepResult runJob(float[] params, PartitionTask task) {
        long t0 = System.nanoTime();
        Broadcast<float[]> bc = jsc.broadcast(params);
        long t1 = System.nanoTime();
        try {
            List<StepResult> parts = shards.mapPartitions((Iterator<Shard> it) -> {
                long f0 = System.nanoTime();
                float[] p = bc.value();
                long fetch = System.nanoTime() - f0;
                StepResult r = task.run(it, p);
                r.fetchNanos = fetch;
                return List.of(r).iterator();
            }).collect();
            StepResult total = mergeInOrder(parts);
            total.broadcastNanos = t1 - t0;
            total.jobNanos = System.nanoTime() - t1;
            return total;
        } finally {
            bc.destroy();
        }
    }

    @Override
    public StepResult step(float[] params, long epoch, int step, int steps) {
        if (resolution.stream()) return streamStep(params, epoch, step, steps);
        String spec = specText;
        int cap = capacity, pc = paramCount, sc = stateCount;
        ShardStep.Settings s = settings;
        globalStep++;
        return runJob(params, (it, p) -> PartitionWork.step(spec, cap, it, p, epoch, step, steps, s, pc, sc));
    }

    @Override
    public StepResult average(float[] params, long epoch, int step, int steps, int localSteps, float lr, float weightDecay) {
        String spec = specText;
        int cap = capacity, pc = paramCount, sc = stateCount;
        ShardStep.Settings s = settings;
        globalStep += localSteps;
        return runJob(params, (it, p) -> {
            List<Shard> mine = new ArrayList<>();
            it.forEachRemaining(mine::add);
            return PartitionWork.average(spec, cap, mine, p, epoch, step, steps, localSteps, lr, weightDecay, s, pc, sc);
        });
    }

    /** The streaming exchange's endpoint name once the first epoch job started, else null (tests play hostile peers with it). */
    String exchangeEndpoint() {
        StreamExchange x = exchange;
        return x == null ? null : x.name();
    }

    /** What the streaming exchange refused so far (tests). */
    List<String> exchangeRefusals() {
        StreamExchange x = exchange;
        return x == null ? List.of() : x.refusals();
    }

    /** What this run's exchange resolved to on this cluster ({@code stream} or {@code job}), and why. */
    public GangScheduling.Resolution exchange() {
        return resolution;
    }

    /**
     * exchange = stream: the first step of an epoch (or of a resumed run) launches one barrier job
     * whose tasks stay alive for the epoch; every step is then one round trip with each task.
     */
    private StepResult streamStep(float[] params, long epoch, int step, int steps) {
        try {
            if (epochJob == null || epochJob.epoch() != epoch) startEpochJob(epoch, steps);
            long t0 = System.nanoTime();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = epochJob.failure();
            StepResult r = exchange.step(step, params, failure::get);
            r.jobNanos = System.nanoTime() - t0;
            globalStep++;
            if (step == steps - 1) finishEpochJob(false);
            return r;
        } catch (IOException e) {
            finishEpochJob(true);
            throw new IllegalStateException("streaming exchange failed: " + e.getMessage(), e);
        }
    }

    private void startEpochJob(long epoch, int steps) {
        finishEpochJob(false);
        if (exchange == null) exchange = new StreamExchange(jsc, partitions, paramCount, stateCount, exchangeTimeoutMs);
        // the group names the epoch and a counter, nothing secret: the UI shows it to anyone
        String group = "spark-cnn-epoch-" + (epoch + 1) + "-job-" + EPOCH_JOBS.incrementAndGet();
        StreamExchange.Endpoint ep = exchange.open(group);
        String spec = specText;
        int cap = capacity, pc = paramCount, sc = stateCount;
        ShardStep.Settings s = settings;
        org.apache.spark.rdd.RDD<Shard> rdd = shards.rdd();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        scala.Function1<scala.collection.Iterator<Shard>, scala.collection.Iterator<Integer>> serve =
                (scala.Function1<scala.collection.Iterator<Shard>, scala.collection.Iterator<Integer>> & java.io.Serializable) it -> {
                    List<Shard> mine = new ArrayList<>();
                    scala.jdk.javaapi.CollectionConverters.asJava(it).forEachRemaining(mine::add);
                    try {
                        StreamExchange.serve(ep, (st, p) -> PartitionWork.step(spec, cap, mine.iterator(), p, epoch, st, steps, s, pc, sc));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e.getMessage(), e);
                    }
                    return scala.collection.Iterator$.MODULE$.empty();
                };
        Thread t = new Thread(() -> {
            try {
                jsc.setJobGroup(group, "training epoch " + (epoch + 1) + " (streaming exchange, barrier stage)", true);
                // the barrier stage ends in a (empty) shuffle: Spark retries a failed barrier shuffle-map stage as a
                // whole, while a failed barrier result stage would abort the job
                scala.reflect.ClassTag<Integer> tag = scala.reflect.ClassTag$.MODULE$.apply(Integer.class);
                JavaRDD.fromRDD(rdd.barrier().mapPartitions(serve, false, tag), tag).repartition(1).count();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "spark-cnn-epoch-job");
        t.setDaemon(true);
        epochJob = new EpochJob(epoch, group, t, failure);
        t.start();
    }

    /**
     * Ends the running epoch job: the exchange tells its tasks the epoch is over, and a job that
     * does not end within exchange.timeout (e.g. its tasks wait for slots), or whose step failed, is cancelled.
     */
    private void finishEpochJob(boolean failed) {
        if (epochJob == null) return;
        EpochJob job = epochJob;
        epochJob = null;
        exchange.finish();
        if (failed) jsc.cancelJobGroup(job.group());
        try {
            job.thread().join(exchangeTimeoutMs);
            if (job.thread().isAlive()) {
                jsc.cancelJobGroup(job.group());
                job.thread().join(exchangeTimeoutMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static StepResult mergeInOrder(List<StepResult> parts) {
        StepResult total = null;
        for (StepResult r : parts) total = total == null ? r : total.merge(r);
        return total;
    }

    /** Where the next step is counted from (after a resume). */
    public void setGlobalStep(long step) {
        this.globalStep = step;
    }

    @Override
    public EvalResult evaluate(float[] params, float[] state) {
        if (testShards == null) return null;
        finishEpochJob(false);
        Broadcast<float[]> bp = jsc.broadcast(params);
        Broadcast<float[]> bs = jsc.broadcast(state);
        String spec = specText;
        int cap = Math.max(capacity, 64), k = classes;
        ShardStep.Settings s = settings;
        try {
            List<EvalResult> parts = testShards.mapPartitions((Iterator<Shard> it) ->
                    List.of(PartitionWork.evaluate(spec, cap, it, bp.value(), bs.value(), s, k)).iterator()).collect();
            EvalResult total = new EvalResult(classes);
            for (EvalResult r : parts) total.merge(r);
            return total;
        } finally {
            bp.destroy();
            bs.destroy();
        }
    }

    @Override
    public void release() {
        finishEpochJob(false);
    }

    @Override
    public boolean hasTestSet() {
        return testShards != null;
    }

    @Override
    public void close() {
        finishEpochJob(false);
        if (exchange != null) exchange.close();
        exchange = null;
        shards.unpersist(false);
        if (testShards != null) testShards.unpersist(false);
    }
}
