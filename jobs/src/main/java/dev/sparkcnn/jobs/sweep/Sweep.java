package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.train.TaskTrainer;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hyperparameter sweep in one directory: the trials of a {@link SweepFile}, trained concurrently on
 * one SparkContext (one driver thread per running trial, each in its own FAIR pool and on its share of
 * the partitions), stopped early by {@link Asha}, and summarised.
 *
 * <pre>
 *   OUT/sweep.conf                the sweep file as first run; OUT/plan.txt the trials it gave
 *   OUT/trials/trial-NNN/         config.conf, metrics.jsonl, model.scnn, result.json (written last)
 *   OUT/results.csv, results.json one row per trial
 *   OUT/best.conf, best-model.scnn the best trial's full config and its best-epoch model
 *   OUT/sweep.html                self-contained report
 * </pre>
 * Restarting with the same OUT keeps every trial that has a result.json and runs the others; the
 * plan must be the same (same trials, same training configs, same data size), else the restart is
 * refused. ASHA is primed with the finished trials' curves so the halving continues where it was.
 */
public final class Sweep {

    static final String PLAN = "plan.txt";
    static final String COPY = "sweep.conf";

    private final SweepFile file;
    private final Path out;
    private final SweepFiles files;
    private final PrintStream log;
    private final Map<Integer, TrialResult> results = new TreeMap<>();

    /** A sweep directory {@code out} on any Hadoop FileSystem (relative: on the default one, as for training runs). */
    public Sweep(SweepFile file, String out, Configuration conf, PrintStream log) {
        this.file = file;
        this.files = new SweepFiles(conf);
        this.out = files.qualify(new Path(out));
        this.log = log;
    }

    /** A local sweep directory. */
    public Sweep(SweepFile file, java.nio.file.Path out, PrintStream log) {
        this(file, out.toAbsolutePath().toUri().toString(), new Configuration(), log);
    }

    /** The sweep directory, fully qualified. */
    public Path out() {
        return out;
    }

    /**
     * Checks or creates the sweep directory for this plan and loads the trials already finished there.
     * {@code retryFailed} runs failed trials again.
     */
    public void prepare(long trainingRecords, boolean retryFailed) {
        String plan = file.plan(trainingRecords);
        Path planFile = new Path(out, PLAN);
        try {
            if (files.exists(planFile)) {
                String old = files.read(planFile);
                if (!old.equals(plan)) {
                    throw new SweepException("sweep directory " + out + " holds another sweep: " + firstDifference(old, plan)
                            + ". The trials of " + file.source() + " (or its base config, or the data size) have changed since "
                            + new Path(out, COPY) + " was run there; use a new --out, or restore the sweep file");
                }
            } else {
                if (files.exists(new Path(out, "trials"))) {
                    throw new SweepException(out + " has a trials folder but no " + PLAN + ": not a sweep directory this tool "
                            + "can continue; use a new --out");
                }
                if (files.isNonEmptyDirectory(out)) {
                    throw new SweepException(out + " is not empty and has no " + PLAN + ": not a sweep directory (a run "
                            + "directory?); a new sweep needs a new or empty --out");
                }
                files.mkdirs(out);
                files.write(new Path(out, COPY), file.text());
                files.write(planFile, plan);
            }
            files.mkdirs(new Path(out, "trials"));
            for (Trial t : file.trials()) {
                Path r = new Path(new Path(new Path(out, "trials"), t.name()), TrialRunner.RESULT);
                if (!files.exists(r)) continue;
                TrialResult result = TrialResult.fromJson(files.read(r), r.toString());
                if (retryFailed && result.failed()) continue;
                results.put(t.id(), result);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare sweep directory " + out + ": " + e.getMessage(), e);
        }
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1), y = b.split("\n", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String u = i < x.length ? x[i] : "(nothing)", v = i < y.length ? y[i] : "(nothing)";
            if (!u.equals(v)) return PLAN + " line " + (i + 1) + " was '" + u + "', now '" + v + "'";
        }
        return "the plans differ";
    }

    /** The training files at {@code location} (a directory of data_batch_*.bin, a file or a glob; any Hadoop URI). */
    public static CifarFiles trainingFiles(String location, Configuration conf) {
        return CifarFiles.resolve(location, CifarRecords.TRAIN_FILES, conf);
    }

    /**
     * The training data at {@code location}, any file-based source (CIFAR-10/100 binary; an image folder,
     * whose train/ images are all used: the sweep holds out its own validation split).
     */
    public static dev.sparkcnn.driver.data.ImageSource trainingData(String location, Configuration conf) {
        dev.sparkcnn.driver.train.TrainConfig cfg = dev.sparkcnn.driver.train.TrainConfig.defaults().with("validation.fraction", 0);
        String format = dev.sparkcnn.driver.data.DataSets.format(location, cfg, conf);
        if (format.equals("parquet")) throw new SweepException("sweeps read CIFAR-10/100 binary or an image folder; " + location + " is a table");
        return dev.sparkcnn.driver.data.DataSets.resolve(format, location, null, cfg, conf).train();
    }

    /**
     * All training images decoded to {@code input} in the executors (in parallel) and gathered here, on the
     * driver: a sweep broadcasts them to its trials, so they must fit in its memory.
     */
    public static CifarBlock readAll(org.apache.spark.api.java.JavaSparkContext jsc, dev.sparkcnn.driver.data.ImageSource source,
                                     dev.sparkcnn.kernels.tensor.Shape input) {
        long n = source.records();
        if (n * input.size() > Integer.MAX_VALUE - 8) {
            throw new SweepException(source.description() + ": " + n + " images of " + input + " do not fit in the driver's memory in one block");
        }
        int c = input.channels(), h = input.height(), w = input.width();
        int parts = (int) Math.max(1, Math.min(n, jsc.defaultParallelism() * 4L));
        dev.sparkcnn.driver.data.ShardPlan plan = new dev.sparkcnn.driver.data.ShardPlan(n, parts);
        dev.sparkcnn.driver.data.ImageDecoder decoder = new dev.sparkcnn.driver.data.ImageDecoder(c, h, w,
                dev.sparkcnn.driver.data.ImageDecoder.DEFAULT_MAX_PIXELS);
        dev.sparkcnn.driver.data.HadoopConf conf = new dev.sparkcnn.driver.data.HadoopConf(jsc.hadoopConfiguration());
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (int v = 0; v < parts; v++) ids.add(v);
        java.util.List<CifarBlock> blocks = jsc.parallelize(ids, Math.min(parts, jsc.defaultParallelism()))
                .map(v -> dev.sparkcnn.driver.data.ShardLoader.load(source, plan, v, decoder, c, h, w, conf.get()).block)
                .collect();
        return CifarBlock.concat(blocks);
    }

    /** All training images in the driver's memory (about 3 KB each: 150 MB for CIFAR-10), to be split. */
    public static CifarBlock readAll(CifarFiles files, Configuration conf) {
        long n = files.records();
        if (n * CifarRecords.IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new SweepException(files + ": " + n + " images do not fit in the driver's memory in one block");
        }
        byte[] labels = new byte[(int) n];
        byte[] pixels = new byte[(int) n * CifarRecords.IMAGE_BYTES];
        files.read(0, n, labels, pixels, conf);
        return new CifarBlock(pixels, labels);
    }

    /** The validation split for this sweep's seed and fraction (the trials' largest data.shards is the least training part). */
    public ValidationSplit split(CifarBlock all) {
        int shards = 1;
        for (Trial t : file.trials()) shards = Math.max(shards, t.config().shards());
        return ValidationSplit.of(all, file.validationFraction(), file.seed(), shards);
    }

    /**
     * Writes {@code OUT/fair-scheduler.xml} declaring a FAIR pool per trial (trial-1 .. trial-N, equal weights,
     * FIFO inside a pool) for {@code spark.scheduler.allocation.file}; undeclared pools work the same but
     * Spark warns once for each.
     */
    public String writeSchedulerPools() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\"?>\n<!-- one pool per sweep trial: concurrent trials share the executors equally -->\n<allocations>\n");
        for (Trial t : file.trials()) {
            b.append("  <pool name=\"trial-").append(t.id()).append("\"><schedulingMode>FIFO</schedulingMode><weight>1</weight>")
                    .append("<minShare>0</minShare></pool>\n");
        }
        Path f = new Path(out, "fair-scheduler.xml");
        files.write(f, b.append("</allocations>\n").toString());
        return f.toString();   // Spark reads it through Hadoop's FileSystem, so it may live on HDFS too
    }

    /** Trials of the plan that have no result yet. */
    public List<Trial> remaining() {
        List<Trial> r = new ArrayList<>();
        for (Trial t : file.trials()) if (!results.containsKey(t.id())) r.add(t);
        return r;
    }

    /** Finished results by trial number. */
    public Map<Integer, TrialResult> results() {
        return results;
    }

    /**
     * Trials in parallel for {@code trials.parallel = auto}. A step of a small model is mostly fixed
     * driver-side latency (broadcast, job scheduling, collecting, the optimizer update) during which
     * the executors' cores idle, so several small-model trials at once fill the cluster better than
     * one trial on all cores; a large model's step is compute-bound and already uses the cores, and
     * each trial holds its own copy of the training data and model state. So each trial is given
     * 1 partition up to 100k parameters, 2 up to 1M and 4 beyond (the largest model of the sweep
     * decides), and as many trials run as the cluster's cores hold at that share: between 1 and 8,
     * and never more than there are trials left.
     */
    public static int autoParallel(int cores, long maxParams, int trialsLeft) {
        int share = maxParams <= 100_000 ? 1 : maxParams <= 1_000_000 ? 2 : 4;
        int n = Math.max(1, cores / Math.min(share, Math.max(1, cores)));
        return Math.max(1, Math.min(Math.min(n, 8), trialsLeft));
    }

    /** Parameters of the largest model the trials use (models that do not build are skipped). */
    public long largestModel() {
        long max = 0;
        Set<String> seen = new HashSet<>();
        for (Trial t : file.trials()) {
            if (!seen.add(t.config().model())) continue;
            try {
                max = Math.max(max, ModelSpec.resolve(t.config().model()).build().paramCount());
            } catch (RuntimeException e) {
                // its trials will fail and say why
            }
        }
        return max;
    }

    /**
     * Where trials run for {@code trials.placement = auto}: in single tasks when there are at least as
     * many trials left as cores, so every core trains a trial of its own with no per-step job latency
     * and nothing idles; else on the cluster, data-parallel over shares of the cores, so the few trials
     * there are still use every core.
     */
    public static String autoPlacement(int cores, int trialsLeft) {
        return trialsLeft >= cores ? "task" : "cluster";
    }

    /** Trials in parallel for {@code trials.parallel = auto} with {@code placement}. */
    public static int autoParallel(String placement, int cores, long maxParams, int trialsLeft) {
        return placement.equals("task") ? Math.max(1, Math.min(cores, trialsLeft)) : autoParallel(cores, maxParams, trialsLeft);
    }

    /**
     * Runs the remaining trials, {@code parallel} at a time, then writes the results. The context
     * should use {@code spark.scheduler.mode = FAIR}. With {@code placement = task} the data is
     * broadcast once and each trial's epochs run as single tasks; with {@code cluster} each trial gets
     * {@code max(1, defaultParallelism / parallel)} partitions (at most its data.shards).
     */
    public void run(JavaSparkContext jsc, ValidationSplit data, int parallel, String placement) {
        if (!placement.equals("task") && !placement.equals("cluster")) throw new IllegalArgumentException("placement " + placement);
        List<Trial> todo = remaining();
        Asha asha = null;
        if (file.asha()) {
            asha = new Asha(file.ashaMinEpochs(), file.ashaReduction(), file.maxEpochs());
            for (TrialResult r : results.values()) asha.replay(r.id(), r.curve());
        }
        boolean inTasks = placement.equals("task");
        int share = Math.max(1, jsc.defaultParallelism() / parallel);
        say("sweep %s: %d trials, %d done, running %d, %d at a time %s (%d cores); ASHA %s",
                file.source(), file.trials().size(), file.trials().size() - todo.size(), todo.size(), parallel,
                inTasks ? "in single tasks" : "on " + share + " partition" + (share == 1 ? "" : "s") + " each",
                jsc.defaultParallelism(), asha == null ? "off" : "rungs at epochs " + asha.rungEpochs() + ", reduction " + asha.reduction());
        for (TrialResult r : results.values()) say("%s already done (%s), kept", r.name(), r.stopReason());
        TaskTrainer.SharedData shared = inTasks ? TaskTrainer.SharedData.broadcast(jsc, data.train(), data.validation()) : null;
        try {
            runTrials(todo, new TrialRunner(jsc, data, shared, asha, new Path(out, "trials"), files, log).classNames(classNames), parallel, share);
        } finally {
            if (shared != null) shared.close();
        }
    }

    private void runTrials(List<Trial> todo, TrialRunner runner, int parallel, int share) {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "sweep-trial-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TrialResult>> futures = new ArrayList<>();
            for (Trial t : todo) futures.add(pool.submit(() -> runner.run(t, share)));
            for (Future<TrialResult> f : futures) {
                TrialResult r;
                try {
                    r = f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("sweep interrupted; finished trials are kept in " + out, e);
                } catch (java.util.concurrent.ExecutionException e) {
                    // only writing result.json itself can get here: the sweep directory is unusable
                    throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
                }
                synchronized (results) {
                    results.put(r.id(), r);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The best trial: the highest best validation accuracy among trials that did not fail (lower number on ties), or null. */
    public TrialResult best() {
        TrialResult best = null;
        for (TrialResult r : results.values()) {
            if (r.failed() || r.bestAccuracy() == null || !exists(new Path(trialDir(r.id()), TrialRunner.MODEL))) continue;
            if (best == null || r.bestAccuracy() > best.bestAccuracy()) best = r;
        }
        return best;
    }

    Path trialDir(int id) {
        return new Path(new Path(out, "trials"), String.format(Locale.ROOT, "trial-%03d", id));
    }

    private boolean exists(Path p) {
        try {
            return files.exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + p + ": " + e.getMessage(), e);
        }
    }

    private java.util.List<String> classNames;

    /** The data's class names, saved in the trials' models; returns this. */
    public Sweep classNames(java.util.List<String> names) {
        this.classNames = names;
        return this;
    }

    /** Writes results.csv, results.json, best.conf, best-model.scnn and sweep.html from the results so far. */
    public void writeResults() {
        List<TrialResult> all = new ArrayList<>(results.values());
        TrialResult best = best();
        try {
            files.write(new Path(out, "results.csv"), csv(all));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sweep", file.source());
            json.put("search", file.search());
            json.put("seed", file.seed());
            json.put("validation_fraction", file.validationFraction());
            Map<String, Object> asha = new LinkedHashMap<>();
            asha.put("min_epochs", file.ashaMinEpochs());
            asha.put("reduction", file.ashaReduction());
            json.put("asha", file.asha() ? asha : null);
            json.put("trials_planned", file.trials().size());
            json.put("best_trial", best == null ? null : best.id());
            List<Object> rows = new ArrayList<>();
            for (TrialResult r : all) rows.add(r.toMap());
            json.put("trials", rows);
            files.write(new Path(out, "results.json"), Json.object(json) + "\n");
            if (best != null) {
                Trial t = file.trials().get(best.id() - 1);
                files.write(new Path(out, "best.conf"), String.format(Locale.ROOT,
                        "# best trial of %s: %s (%s), best validation accuracy %s at epoch %d of %d%n",
                        file.source(), t.name(), t.describe(), TrialRunner.percent(best.bestAccuracy()), best.bestEpoch(), best.epochs())
                        + t.config().toText());
                files.copy(new Path(trialDir(best.id()), TrialRunner.MODEL), new Path(out, "best-model.scnn"));
            }
            files.write(new Path(out, "sweep.html"), SweepReport.render(file, all, best));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot write the sweep results to " + out + ": " + e.getMessage(), e);
        }
    }

    String csv(List<TrialResult> all) {
        StringBuilder b = new StringBuilder("trial");
        for (SearchDimension d : file.space()) b.append(',').append(csvField(d.key()));
        b.append(",epochs,best_validation_accuracy,best_epoch,final_validation_accuracy,wall_seconds,stop_reason\n");
        for (TrialResult r : all) {
            b.append(r.id());
            for (SearchDimension d : file.space()) b.append(',').append(csvField(r.values().getOrDefault(d.key(), "")));
            b.append(',').append(r.epochs())
                    .append(',').append(r.bestAccuracy() == null ? "" : String.format(Locale.ROOT, "%.4f", r.bestAccuracy()))
                    .append(',').append(r.bestEpoch())
                    .append(',').append(r.finalAccuracy() == null ? "" : String.format(Locale.ROOT, "%.4f", r.finalAccuracy()))
                    .append(',').append(String.format(Locale.ROOT, "%.1f", r.wallSeconds()))
                    .append(',').append(csvField(r.stopReason())).append('\n');
        }
        return b.toString();
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"").replace('\n', ' ') + '"';
    }

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        synchronized (log) {
            log.println(line);
        }
    }
}
