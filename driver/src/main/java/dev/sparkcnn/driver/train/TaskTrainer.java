package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.metrics.MetricsLog;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole training run on one core of the cluster, for many small runs at once (a sweep's trials),
 * where a synchronous data-parallel step's fixed latency (a Spark job per step) would dominate.
 * Each epoch is one Spark job of a single task that restores the run from the state the previous
 * epoch returned, trains the epoch with the single-process {@link LocalGradientSource} over data
 * broadcast once ({@link SharedData}), evaluates, and returns the new state with the epoch's
 * metrics records; the driver writes the records and asks the listener whether to go on.
 *
 * <p>The run is the one-partition run: the same seed gives bitwise the parameters of a
 * {@link LocalGradientSource} run. An epoch is a pure function of (state, data, config), so a task
 * Spark reruns (a lost executor) computes the same epoch again. A run that fails for its own
 * reasons (a diverged loss, a model the data does not fit) is reported by the task rather than
 * thrown there, so Spark does not retry what would fail the same way, and the driver throws it.
 */
public final class TaskTrainer {

    /** Training and evaluation images broadcast once for any number of runs; close() destroys the broadcast. */
    public static final class SharedData implements AutoCloseable {
        final Broadcast<CifarBlock[]> blocks;
        final Normalization norm;
        /**
         * Names this data in the executors' cache. Not the broadcast's id: those restart at 0 with every
         * SparkContext, so a later context in the same JVM (local mode, a test suite, a notebook) would find
         * an earlier context's shards under the same id and train on them.
         */
        final String cacheKey = java.util.UUID.randomUUID().toString();

        private SharedData(Broadcast<CifarBlock[]> blocks, Normalization norm) {
            this.blocks = blocks;
            this.norm = norm;
        }

        /** {@code test} (evaluated after every epoch) may be null. */
        public static SharedData broadcast(JavaSparkContext jsc, CifarBlock train, CifarBlock test) {
            return new SharedData(jsc.broadcast(new CifarBlock[] {train, test}), Normalization.fromSums(Normalization.sums(train)));
        }

        /** The training set's normalisation (as every run over it computes it). */
        public Normalization normalization() {
            return norm;
        }

        @Override
        public void close() {
            blocks.destroy();
        }
    }

    /** What an epoch task returns: the state after the epoch and its metrics records, or why it failed. */
    public static final class Outcome implements Serializable {
        private static final long serialVersionUID = 1L;
        byte[] checkpoint;
        ArrayList<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> epochRecord;   // null when max.steps ended the run inside the epoch
        EvalResult eval;
        String failure;
        boolean diverged;
    }

    // executors: the shards of the broadcast data, per (SharedData.cacheKey, data.shards); the newest two are kept
    private static final Map<String, LocalGradientSource.Data> CACHE = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LocalGradientSource.Data> eldest) {
            return size() > 2;
        }
    };

    private final JavaSparkContext jsc;
    private final SharedData data;
    private final TrainConfig cfg;
    private final ModelSpec spec;
    private final MetricsLog metrics;
    private final Trainer.Listener listener;
    private byte[] checkpoint;
    private float[] params, state;
    private int epoch;
    private long globalStep;
    private EvalResult lastEval;
    private boolean stoppedEarly;

    public TaskTrainer(JavaSparkContext jsc, SharedData data, TrainConfig cfg, ModelSpec spec, MetricsLog metrics, Trainer.Listener listener) {
        this.jsc = jsc;
        this.data = data;
        this.cfg = cfg;
        this.spec = spec;
        this.metrics = metrics;
        this.listener = listener == null ? new Trainer.Listener() { } : listener;
        dev.sparkcnn.kernels.net.Network net = spec.build();
        this.params = net.initParams(cfg.seed());
        this.state = net.initState();
    }

    /** Parameters after the last finished epoch (the initial ones before the first). */
    public float[] params() {
        return params;
    }

    /** Batch-norm running statistics after the last finished epoch. */
    public float[] state() {
        return state;
    }

    public Normalization normalization() {
        return data.norm;
    }

    public int epoch() {
        return epoch;
    }

    public long globalStep() {
        return globalStep;
    }

    public EvalResult lastEval() {
        return lastEval;
    }

    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** Runs epoch after epoch, one Spark job each, until the configured epochs (or max.steps) are done or the listener stops it. */
    public void run() {
        long maxSteps = cfg.getLong("max.steps");
        String cfgText = cfg.toText(), specText = spec.text();
        Broadcast<CifarBlock[]> blocks = data.blocks;
        String dataKey = data.cacheKey;
        while (epoch < cfg.epochs() && (maxSteps == 0 || globalStep < maxSteps)) {
            Broadcast<byte[]> from = checkpoint == null ? null : jsc.broadcast(checkpoint);
            Outcome o;
            try {
                o = jsc.parallelize(List.of(epoch), 1).map(e -> runEpoch(blocks, dataKey, cfgText, specText, from)).collect().get(0);
            } finally {
                if (from != null) from.destroy();
            }
            if (o.failure != null) {
                throw o.diverged ? new TrainingDivergedException(o.failure) : new IllegalStateException(o.failure);
            }
            checkpoint = o.checkpoint;
            ModelFile ck = ModelFile.fromBytes(checkpoint, "the state after epoch " + (epoch + 1), "checkpoint");
            params = ck.floats("params");
            state = ck.floats("state");
            long[] progress = ck.longs("progress");
            globalStep = progress[0];
            epoch = (int) progress[1];
            for (Map<String, Object> r : o.steps) {
                if (metrics != null) metrics.write(r);
                listener.onStep(r);
            }
            if (o.epochRecord == null) break;   // max.steps inside the epoch
            lastEval = o.eval;
            if (metrics != null) metrics.write(o.epochRecord);
            listener.onEpoch(o.epochRecord, o.eval);
            if (listener.stopAfterEpoch(o.epochRecord, o.eval)) {
                stoppedEarly = epoch < cfg.epochs();
                break;
            }
        }
    }

    /** On an executor: one epoch from {@code from} (null: the start), with the trainer the driver would run. */
    static Outcome runEpoch(Broadcast<CifarBlock[]> blocks, String dataKey, String cfgText, String specText, Broadcast<byte[]> from) {
        Outcome o = new Outcome();
        try {
            TrainConfig cfg = TrainConfig.fromText(cfgText, "the run's config");
            ModelSpec spec = ModelSpec.parse(specText, "the run's model");
            LocalGradientSource source = new LocalGradientSource(shards(blocks, dataKey, cfg.shards()), cfg, specText, 1);
            Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), null, null, new Trainer.Listener() {
                @Override
                public void onStep(Map<String, Object> record) {
                    o.steps.add(record);
                }

                @Override
                public boolean stopAfterEpoch(Map<String, Object> record, EvalResult eval) {
                    o.epochRecord = record;
                    return true;
                }
            });
            if (from != null) trainer.restore(ModelFile.fromBytes(from.value(), "the run's state", "checkpoint"), "the run's state");
            trainer.run();
            o.eval = trainer.lastEval();
            o.checkpoint = trainer.checkpoint().toBytes();
        } catch (TrainingDivergedException e) {
            o.failure = e.getMessage();
            o.diverged = true;
        } catch (RuntimeException e) {   // the run's own failure: the same again on a retry
            o.failure = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return o;
    }

    static LocalGradientSource.Data shards(Broadcast<CifarBlock[]> blocks, String dataKey, int shards) {
        String key = dataKey + "/" + shards;
        synchronized (CACHE) {
            LocalGradientSource.Data d = CACHE.get(key);
            if (d == null) {
                CifarBlock[] b = blocks.value();
                d = LocalGradientSource.Data.of(b[0], b[1], shards);
                CACHE.put(key, d);
            }
            return d;
        }
    }
}
