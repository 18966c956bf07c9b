package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.metrics.MetricsLog;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TaskTrainer;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Trains one trial from the calling thread, in its own FAIR scheduler pool ({@code trial-N}) so
 * concurrent trials share the executors evenly: either data-parallel over its share of the cluster
 * (placement {@code cluster}: a Spark job per step) or epoch by epoch inside single tasks over the
 * sweep's broadcast data (placement {@code task}: {@link TaskTrainer}, no per-step latency). Writes the
 * trial directory: {@code config.conf}, {@code metrics.jsonl} (its {@code test_*} fields are on the
 * validation split), {@code model.scnn} (the parameters of its best validation epoch) and, last and
 * atomically, {@code result.json}; a trial directory with a result.json is finished.
 *
 * <p>Any exception of the trial (a spec whose shapes do not fit, a diverged loss, a lost job) ends only
 * that trial, as "failed: message".
 */
final class TrialRunner {

    static final String RESULT = "result.json";
    static final String MODEL = "model.scnn";

    private final JavaSparkContext jsc;
    private final ValidationSplit data;
    private final Asha asha;
    private final Path trialsDir;
    private final SweepFiles files;
    private final PrintStream log;
    private final TaskTrainer.SharedData shared;   // placement task: the data every trial's tasks read; else null

    private java.util.List<String> classNames;

    /** The data's class names, saved with each trial's model (null: the model file's defaults). */
    TrialRunner classNames(java.util.List<String> names) {
        this.classNames = names;
        return this;
    }

    TrialRunner(JavaSparkContext jsc, ValidationSplit data, TaskTrainer.SharedData shared, Asha asha, Path trialsDir, SweepFiles files,
                PrintStream log) {
        this.files = files;
        this.jsc = jsc;
        this.data = data;
        this.shared = shared;
        this.asha = asha;
        this.trialsDir = trialsDir;
        this.log = log;
    }

    TrialResult run(Trial trial, int partitionShare) {
        Path dir = new Path(trialsDir, trial.name());
        TrainConfig cfg = trial.config();
        long start = System.nanoTime();
        Progress progress = new Progress(trial);
        int partitions = 0;
        String reason;
        jsc.setLocalProperty("spark.scheduler.pool", "trial-" + trial.id());
        jsc.setJobDescription("sweep " + trial.name() + ": " + trial.describe());
        try {
            files.mkdirs(dir);
            files.delete(new Path(dir, RESULT));
            files.write(new Path(dir, "config.conf"), "# " + trial.name() + ": " + trial.describe() + "\n" + cfg.toText());
            ModelSpec spec = ModelSpec.resolve(cfg.model());
            spec.build();   // shapes that do not fit fail here, before any data moves
            Normalization norm;
            try (MetricsLog metrics = new MetricsLog(new Path(dir, "metrics.jsonl").toString(), files.conf(), false)) {
                if (shared != null) {
                    partitions = 1;
                    say("%s started in single tasks: %s", trial.name(), trial.describe());
                    TaskTrainer trainer = new TaskTrainer(jsc, shared, cfg, spec, metrics, progress);
                    progress.params = trainer::params;
                    progress.state = trainer::state;
                    trainer.run();
                    norm = shared.normalization();
                } else {
                    partitions = cfg.getInt("partitions") > 0 ? cfg.getInt("partitions") : Math.min(partitionShare, cfg.shards());
                    say("%s started on %d partition%s: %s", trial.name(), partitions, partitions == 1 ? "" : "s", trial.describe());
                    try (SparkGradientSource source = SparkGradientSource.fromBlocks(jsc, data.train(), data.validation(), cfg, spec.text(), partitions)) {
                        Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), null, metrics, progress);
                        progress.params = trainer::params;
                        progress.state = trainer::state;
                        trainer.run();
                        norm = source.normalization();
                    }
                }
            }
            if (progress.bestParams != null) {
                SavedModel best = new SavedModel(spec, norm, progress.bestParams, progress.bestState, cfg.toText());
                if (classNames != null && classNames.size() == best.network().outputShape().size()) best.withClassNames(classNames);
                best.save(new Path(dir, MODEL).toString(), files.conf());
            }
            reason = progress.stopReason != null ? progress.stopReason : TrialResult.COMPLETED;
        } catch (Exception | AssertionError | StackOverflowError | OutOfMemoryError e) {
            reason = "failed: " + firstLine(e);
        } finally {
            jsc.setLocalProperty("spark.scheduler.pool", null);
            jsc.setJobDescription(null);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        List<Double> curve = Collections.unmodifiableList(new ArrayList<>(progress.curve));
        TrialResult r = new TrialResult(trial.id(), trial.values(), progress.epochs, curve, progress.best, progress.bestEpoch,
                curve.isEmpty() ? null : curve.get(curve.size() - 1), wall, reason, partitions);
        files.write(new Path(dir, RESULT), r.toJson() + "\n");
        say("%s %s after %d epoch%s in %.1f s; best validation accuracy %s", trial.name(), reason, r.epochs(),
                r.epochs() == 1 ? "" : "s", wall, r.bestAccuracy() == null ? "-" : percent(r.bestAccuracy()));
        return r;
    }

    /** Follows the run epoch by epoch: the learning curve, the best epoch's parameters, and ASHA's verdict. */
    private final class Progress implements Trainer.Listener {
        final Trial trial;
        Supplier<float[]> params, state;   // the running trainer's
        final List<Double> curve = new ArrayList<>();
        int epochs;
        Double best;
        int bestEpoch;
        float[] bestParams, bestState;
        String stopReason;

        Progress(Trial trial) {
            this.trial = trial;
        }

        @Override
        public void onEpoch(Map<String, Object> record, EvalResult eval) {
            epochs = ((Number) record.get("epoch")).intValue();
            Double acc = eval == null ? null : eval.accuracy();
            curve.add(acc);
            if (acc != null && (best == null || acc > best)) {
                best = acc;
                bestEpoch = epochs;
                bestParams = params.get().clone();
                bestState = state.get().clone();
            }
            Object loss = record.get("train_loss");
            say("%s epoch %d/%d: validation accuracy %s, train loss %s, %.1f s", trial.name(), epochs, trial.config().epochs(),
                    acc == null ? "-" : percent(acc), loss == null ? "-" : String.format(Locale.ROOT, "%.4f", ((Number) loss).doubleValue()),
                    ((Number) record.get("seconds")).doubleValue());
        }

        @Override
        public boolean stopAfterEpoch(Map<String, Object> record, EvalResult eval) {
            if (asha == null || eval == null) return false;
            Asha.Decision d = asha.report(trial.id(), epochs, eval.accuracy());
            if (!d.stop()) return false;
            stopReason = d.reason();
            say("%s stopped by ASHA at rung %d (epoch %d): validation accuracy %s ranks %d of %d there; the best %d continue",
                    trial.name(), d.rung(), epochs, percent(eval.accuracy()), d.rank(), d.recorded(), d.kept());
            return true;
        }
    }

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        synchronized (log) {
            log.println(line);
        }
    }

    static String percent(double a) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * a);
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.toString();
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        return m.length() > 400 ? m.substring(0, 400) + "..." : m;
    }
}
