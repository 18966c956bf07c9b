package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.driver.metrics.MetricsLog;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.optim.LrSchedule;
import dev.sparkcnn.kernels.optim.Optimizer;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training loop on the driver. It holds the master parameters, the batch-norm state and the
 * optimizer; each step it asks a {@link GradientSource} for the sums over the global batch,
 * checks them, divides by the sample count and applies one optimizer update:
 *
 * <pre>
 *   sums   = source.step(params, epoch, t)          // parameters out, compute, aggregate
 *   check  finite(sums.loss, sums.grad)             // else stop; the last checkpoint stays
 *   update optimizer.step(params, sums.grad / sums.count, lr(step))
 *          running BN statistics += momentum * (mean of the step's group statistics - running)
 *   check  params and statistics usable             // finite and below 1.8e19, else stop before any checkpoint
 * </pre>
 * With {@code sync = average} each "step" is a round of {@code average.every} local SGD steps in
 * every partition; the driver averages the partitions' parameters (weighted by samples) and feeds
 * {@code (params - average) / lr} to the optimizer as the gradient, so with one local step it is
 * the synchronous step again.
 */
public final class Trainer {

    /** Receives progress (for the console) as the run goes. */
    public interface Listener {
        default void onStep(Map<String, Object> record) {
        }

        default void onEpoch(Map<String, Object> record, EvalResult eval) {
        }

        default void onCheckpoint(String file) {
        }

        /** Asked after every epoch (e.g. by a sweep's early stopping): true ends the run there. */
        default boolean stopAfterEpoch(Map<String, Object> epochRecord, EvalResult eval) {
            return false;
        }
    }

    private final TrainConfig cfg;
    private final ModelSpec spec;
    private final Network net;
    private final GradientSource source;
    private final CheckpointStore store;
    private final MetricsLog metrics;
    private final Listener listener;
    private final Normalization norm;
    private final ShardPlan plan;
    private final int stepsPerEpoch;
    private final LrSchedule schedule;
    private final boolean averaging;
    private final int localSteps;

    private final float[] params;
    private final float[] state;
    private final Optimizer optimizer;
    private long globalStep;
    private int epoch;
    private int stepInEpoch;
    private EvalResult lastEval;
    private boolean stoppedEarly;
    private java.util.List<String> classNames;

    public Trainer(TrainConfig cfg, ModelSpec spec, GradientSource source, Normalization norm,
                   CheckpointStore store, MetricsLog metrics, Listener listener) {
        this.cfg = cfg;
        this.spec = spec;
        this.net = spec.build();
        this.source = source;
        this.norm = norm;
        this.store = store;
        this.metrics = metrics;
        this.listener = listener == null ? new Listener() { } : listener;
        this.plan = source.plan();
        this.stepsPerEpoch = plan.stepsPerEpoch(cfg.batchSize());
        this.schedule = Optimizers.schedule(cfg, stepsPerEpoch);
        this.averaging = cfg.get("sync").equals("average");
        this.localSteps = averaging ? cfg.getInt("average.every") : 1;
        this.params = net.initParams(cfg.seed());
        this.state = net.initState();
        // in averaging mode weight decay is applied by the local SGD steps, not again by the outer optimizer
        this.optimizer = Optimizers.create(averaging ? cfg.with("weight.decay", 0) : cfg, net.paramCount());
    }

    public float[] params() {
        return params;
    }

    /** The data's class names, saved with the model (null: the model file's defaults). */
    public Trainer classNames(java.util.List<String> names) {
        this.classNames = names;
        return this;
    }

    public float[] state() {
        return state;
    }

    public Network network() {
        return net;
    }

    public long globalStep() {
        return globalStep;
    }

    public int epoch() {
        return epoch;
    }

    public EvalResult lastEval() {
        return lastEval;
    }

    /** Whether the listener stopped the run before its last epoch. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** Restores from the store's newest checkpoint, if any; returns whether it did. */
    public boolean resume() {
        if (store == null) return false;
        ModelFile ck = store.latest();
        if (ck == null) return false;
        restore(ck, store.location());
        return true;
    }

    /**
     * Continues from checkpoint {@code ck} ({@code source} names it in errors). Refused, before anything
     * is changed, when the checkpoint was written for another model or differs in any key that shapes
     * training ({@link ResumedConfig#affectsTraining}), or when its arrays do not fit this model and optimizer.
     */
    public void restore(ModelFile ck, String source) {
        if (!ck.text("spec").equals(spec.text())) {
            throw new CheckpointException("checkpoint in " + source + " was written for another model spec; "
                    + "resume with the same model (or start a new run directory)");
        }
        TrainConfig saved = TrainConfig.fromText(ck.text("config"), source + " (config)");
        java.util.List<String> differences = ResumedConfig.trainingDifferences(saved, cfg);
        if (!differences.isEmpty()) {
            String key = differences.get(0);
            throw new CheckpointException("checkpoint in " + source + " has " + key + " = " + saved.get(key)
                    + " but this run has " + key + " = " + cfg.get(key) + "; resuming would not continue the same run");
        }
        float[] p = ck.floats("params"), s = ck.floats("state");
        if (p.length != params.length || s.length != state.length) {
            throw new CheckpointException("checkpoint in " + source + " has " + p.length + " parameters and " + s.length
                    + " state values, the model has " + params.length + " and " + state.length);
        }
        long[] arrays = ck.longs("optimizer.arrays");
        int expected = optimizer.state().length;
        if (arrays.length != 1 || arrays[0] != expected) {
            throw new CheckpointException("checkpoint in " + source + " has " + (arrays.length == 1 ? arrays[0] : "no count of")
                    + " optimizer arrays, the " + cfg.get("optimizer") + " optimizer keeps " + expected);
        }
        float[][] opt = new float[expected][];
        for (int i = 0; i < opt.length; i++) {
            opt[i] = ck.floats("optimizer." + i);
            if (opt[i].length != params.length) {
                throw new CheckpointException("checkpoint in " + source + ": optimizer array " + i + " has " + opt[i].length
                        + " values, the model has " + params.length + " parameters");
            }
        }
        long[] progress = ck.longs("progress");
        // a checkpoint at an epoch's last step is saved before the epoch is closed: step in epoch = steps per epoch
        if (progress.length != 4 || progress[0] < 0 || progress[1] < 0 || progress[2] < 0 || progress[2] > stepsPerEpoch
                || progress[3] < 0) {
            throw new CheckpointException("checkpoint in " + source + " has progress " + java.util.Arrays.toString(progress)
                    + "; expected (global step, epoch, step in epoch <= " + stepsPerEpoch + ", optimizer steps), none negative");
        }
        int bad = firstUnusable(p);
        if (bad >= 0) {
            throw new CheckpointException("checkpoint in " + source + " holds parameter " + bad + " (" + paramLayer(bad) + ") = " + p[bad]
                    + ": not a usable model (diverged); resume from an earlier checkpoint or start again");
        }
        bad = firstUnusable(s);
        if (bad >= 0) {
            throw new CheckpointException("checkpoint in " + source + " holds batch-norm statistic " + bad + " (" + stateLayer(bad) + ") = "
                    + s[bad] + ": not a usable model (diverged); resume from an earlier checkpoint or start again");
        }
        System.arraycopy(p, 0, params, 0, p.length);
        System.arraycopy(s, 0, state, 0, s.length);
        optimizer.setState(opt);
        optimizer.setStepCount(progress[3]);
        globalStep = progress[0];
        epoch = (int) progress[1];
        stepInEpoch = (int) progress[2];
        if (this.source instanceof SparkGradientSource) ((SparkGradientSource) this.source).setGlobalStep(globalStep);
    }

    /** The checkpoint of the current state. */
    public ModelFile checkpoint() {
        ModelFile f = new ModelFile("checkpoint")
                .text("spec", spec.text())
                .text("config", cfg.toText())
                .text("normalization", norm.toText())
                .longs("progress", globalStep, epoch, stepInEpoch, optimizer.stepCount())
                .floats("params", params)
                .floats("state", state);
        float[][] opt = optimizer.state();
        f.longs("optimizer.arrays", opt.length);
        for (int i = 0; i < opt.length; i++) f.floats("optimizer." + i, opt[i]);
        return f;
    }

    /** The trained model: spec, normalisation, parameters, running statistics and this run's config. */
    public dev.sparkcnn.driver.model.SavedModel model() {
        return new dev.sparkcnn.driver.model.SavedModel(spec, norm, params.clone(), state.clone(), cfg.toText()).withClassNames(classNames);
    }

    /** Runs until the configured epochs (or max.steps) are done. */
    public void run() {
        try {
            runEpochs();
        } finally {
            source.release();   // e.g. max.steps inside an epoch: the streaming exchange's epoch job ends here
        }
    }

    private void runEpochs() {
        long maxSteps = cfg.getLong("max.steps");
        long every = cfg.getLong("checkpoint.every");
        int evalEvery = cfg.getInt("eval.every");
        while (epoch < cfg.epochs() && (maxSteps == 0 || globalStep < maxSteps)) {
            long epochStart = System.nanoTime();
            double epochLoss = 0;
            long epochCorrect = 0, epochCount = 0;
            while (stepInEpoch < stepsPerEpoch && (maxSteps == 0 || globalStep < maxSteps)) {
                StepResult r = step();
                epochLoss += r.loss;
                epochCorrect += r.correct;
                epochCount += r.count;
                if (every > 0 && globalStep % every == 0) saveCheckpoint();
            }
            if (stepInEpoch < stepsPerEpoch) break;   // stopped by max.steps inside the epoch
            epoch++;
            stepInEpoch = 0;
            boolean last = epoch == cfg.epochs();
            lastEval = source.hasTestSet() && (last || evalEvery > 0 && epoch % evalEvery == 0)
                    ? source.evaluate(params, state) : null;
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("type", "epoch");
            rec.put("epoch", epoch);
            rec.put("step", globalStep);
            rec.put("train_loss", epochCount == 0 ? null : epochLoss / epochCount);
            rec.put("train_accuracy", epochCount == 0 ? null : (double) epochCorrect / epochCount);
            rec.put("seconds", (System.nanoTime() - epochStart) / 1e9);
            if (lastEval != null) {
                rec.put("test_loss", lastEval.meanLoss());
                rec.put("test_accuracy", lastEval.accuracy());
                rec.put("test_per_class_accuracy", lastEval.perClassAccuracy());
                rec.put("confusion", lastEval.confusion);
            }
            if (metrics != null) metrics.write(rec);
            listener.onEpoch(rec, lastEval);
            if (every == 0) saveCheckpoint();
            if (listener.stopAfterEpoch(rec, lastEval)) {
                stoppedEarly = true;
                break;
            }
        }
    }

    private void saveCheckpoint() {
        if (store == null) return;
        String file = store.save(globalStep, checkpoint());
        listener.onCheckpoint(file);
    }

    /** One synchronous step (or one averaging round). */
    StepResult step() {
        float lr = schedule.lr(globalStep);
        long t0 = System.nanoTime();
        int rounds = averaging ? Math.min(localSteps, stepsPerEpoch - stepInEpoch) : 1;
        StepResult r = averaging
                ? source.average(params, epoch, stepInEpoch, stepsPerEpoch, rounds, lr, cfg.getFloat("weight.decay"))
                : source.step(params, epoch, stepInEpoch, stepsPerEpoch);
        long t1 = System.nanoTime();
        checkFinite(r);
        float inv = 1f / r.count;
        if (averaging) {
            // pseudo-gradient of the round: (params - weighted average of the partitions' parameters) / lr
            for (int i = 0; i < params.length; i++) r.grad[i] = (params[i] - r.grad[i] * inv) / lr;
        } else {
            for (int i = 0; i < params.length; i++) r.grad[i] *= inv;
        }
        optimizer.step(params, r.grad, lr);
        Network.applyStatistics(state, r.stats, r.groups, cfg.getFloat("bn.momentum"));
        checkUpdated();
        long t2 = System.nanoTime();
        globalStep += rounds;
        stepInEpoch += rounds;

        double seconds = (t2 - t0) / 1e9;
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("type", "step");
        rec.put("step", globalStep);
        rec.put("epoch", epoch);
        rec.put("epoch_progress", (double) stepInEpoch / stepsPerEpoch);
        rec.put("loss", r.loss / r.count);
        rec.put("accuracy", (double) r.correct / r.count);
        rec.put("lr", lr);
        rec.put("samples", r.count);
        rec.put("images_per_second", r.count / seconds);
        double compute = r.computeNanos / 1e6, fetch = r.fetchNanos / 1e6;
        double job = r.jobNanos > 0 ? r.jobNanos / 1e6 : (t1 - t0) / 1e6;
        rec.put("ms_params_out", r.broadcastNanos / 1e6 + fetch);
        rec.put("ms_compute", compute);
        rec.put("ms_aggregate", Math.max(0, job - compute - fetch));
        rec.put("ms_update", (t2 - t1) / 1e6);
        rec.put("ms_step", seconds * 1e3);
        if (metrics != null) metrics.write(rec);
        listener.onStep(rec);
        return r;
    }

    private void checkFinite(StepResult r) {
        if (r.count == 0) throw new IllegalStateException("step " + globalStep + " had no samples");
        if (!Double.isFinite(r.loss)) {
            throw diverged("loss is " + r.loss + " at step " + globalStep + " (epoch " + epoch + "); stopped before updating");
        }
        for (int i = 0; i < r.grad.length; i++) {
            if (!Float.isFinite(r.grad[i])) {
                throw diverged("gradient element " + i + " (" + paramLayer(i) + ") is " + r.grad[i] + " at step " + globalStep
                        + "; stopped before updating");
            }
        }
    }

    /**
     * The updated parameters and batch-norm statistics must be usable before anything can checkpoint
     * them: a finite loss and gradient can still give parameters of ~1e29 when the learning rate is
     * huge, and only the next step's loss would show it, after a checkpoint had kept them.
     */
    private void checkUpdated() {
        int bad = firstUnusable(params);
        if (bad >= 0) {
            throw diverged("parameter " + bad + " (" + paramLayer(bad) + ") is " + params[bad] + " after the update of step "
                    + globalStep + " (epoch " + epoch + "); stopped before any checkpoint of it");
        }
        bad = firstUnusable(state);
        if (bad >= 0) {
            throw diverged("batch-norm statistic " + bad + " (" + stateLayer(bad) + ") is " + state[bad] + " after the update of step "
                    + globalStep + " (epoch " + epoch + "); stopped before any checkpoint of it");
        }
    }

    private TrainingDivergedException diverged(String what) {
        return new TrainingDivergedException(what + ". Lower the learning rate (lr = " + cfg.get("lr") + ")"
                + (store != null ? "; the last good checkpoint in " + store.location() + " is kept" : ""));
    }

    /**
     * Largest magnitude a parameter or statistic may have: sqrt(Float.MAX_VALUE), about 1.8e19. The
     * product of two larger values overflows float32, so a network holding them computes infinities
     * two layers on; such a value means the run has diverged even while it is still finite.
     */
    static final float LARGEST_USABLE = (float) Math.sqrt(Float.MAX_VALUE);

    /** Index of the first value that is not finite or beyond {@link #LARGEST_USABLE}, or -1. */
    static int firstUnusable(float[] a) {
        for (int i = 0; i < a.length; i++) if (!(Math.abs(a[i]) <= LARGEST_USABLE)) return i;
        return -1;
    }

    /** "layer 3 (conv2d)": the layer that owns parameter i. */
    private String paramLayer(int i) {
        for (dev.sparkcnn.kernels.layers.Layer l : net.layers()) {
            if (i >= l.paramOffset() && i < l.paramOffset() + l.paramCount()) return "layer " + l.index() + " (" + l.kind() + ")";
        }
        return "no layer";
    }

    /** "layer 1 (batchnorm)": the layer that owns state value i. */
    private String stateLayer(int i) {
        for (dev.sparkcnn.kernels.layers.Layer l : net.layers()) {
            if (i >= l.stateOffset() && i < l.stateOffset() + l.stateCount()) return "layer " + l.index() + " (" + l.kind() + ")";
        }
        return "no layer";
    }
}
