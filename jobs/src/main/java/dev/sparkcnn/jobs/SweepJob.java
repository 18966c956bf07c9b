package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.jobs.sweep.Sweep;
import dev.sparkcnn.jobs.sweep.SweepFile;
import dev.sparkcnn.jobs.sweep.TrialResult;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sweep}: a hyperparameter search (random or grid) with early stopping by ASHA, several trials
 * trained at once on one SparkContext under the FAIR scheduler, each in single tasks or data-parallel. See {@link SweepFile} for the file
 * format and {@link Sweep} for the output directory and restarts.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search hyperparameters: train many trials concurrently on one Spark context, stop weak ones early "
                + "(ASHA), judge them on a validation split of the training set, and report the best.",
                "Run again with the same --out to continue a stopped sweep."})
final class SweepJob implements Callable<Integer> {

    @Option(names = "--sweep", required = true, paramLabel = "FILE", description = "sweep file, e.g. conf/sweeps/cifar-quick-lr.sweep")
    Path sweep;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "CIFAR-10 training data: a directory (data_batch_1..5.bin), a .bin file or a glob; any Hadoop URI. "
                    + "Only the training files are read; validation is carved from them")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "sweep directory, any Hadoop URI (relative: on the default file system); the same DIR again continues the sweep")
    String out;

    @Option(names = "--trials-in-parallel", paramLabel = "N|auto", description = "trials trained at once (overrides trials.parallel of the sweep file)")
    String trialsInParallel;

    @Option(names = "--trials-placement", paramLabel = "task|cluster|auto",
            description = "task: each trial's epochs run as single Spark tasks, one core per trial and no job per step; "
                    + "cluster: each trial data-parallel over its share of the cores (overrides trials.placement of the sweep file)")
    Placement trialsPlacement;

    /** The values of --trials-placement (picocli refuses others, naming the flag). */
    enum Placement { task, cluster, auto }

    @Spec
    CommandSpec commandSpec;

    @Option(names = "--retry-failed", description = "on a restart, run failed trials again (by default every trial with a result.json is kept)")
    boolean retryFailed;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() {
        SweepFile file = SweepFile.load(sweep);
        for (String note : file.notes()) System.out.println("note: " + note);
        int parallel = file.parallel();
        if (trialsInParallel != null) {
            if (trialsInParallel.equals("auto")) parallel = 0;
            else {
                try {
                    parallel = Integer.parseInt(trialsInParallel);
                } catch (NumberFormatException e) {
                    parallel = -1;
                }
                if (parallel <= 0) {
                    throw new ParameterException(commandSpec.commandLine(),
                            "--trials-in-parallel " + trialsInParallel + ": expected a positive number or auto");
                }
            }
        }
        String placement = trialsPlacement != null ? trialsPlacement.name() : file.placement();
        Configuration hadoop = new Configuration();
        dev.sparkcnn.driver.data.ImageSource files = Sweep.trainingData(data, hadoop);
        Sweep s = new Sweep(file, out, hadoop, System.out).classNames(files.classNames());
        s.prepare(files.records(), retryFailed);
        if (!s.remaining().isEmpty()) {
            List<String> confs = new ArrayList<>();
            confs.add("spark.scheduler.mode=FAIR");   // later --conf values win
            confs.add("spark.scheduler.allocation.file=" + s.writeSchedulerPools());
            confs.addAll(spark.conf);
            JavaSparkContext jsc = SparkContexts.start("spark-cnn sweep " + sweep.getFileName(), spark.master, confs);
            try {
                // decoded to the first trial's input shape (a trial of another shape is refused by its trainer, naming both)
                dev.sparkcnn.kernels.tensor.Shape input = dev.sparkcnn.kernels.spec.ModelSpec.resolve(file.trials().get(0).config().model())
                        .build().inputShape();
                CifarBlock all = Sweep.readAll(jsc, files, input);
                var split = s.split(all);
                System.out.printf(Locale.ROOT, "data: %s; %d images for training, %d for validation (seed %d)%n", files,
                        split.train().size(), split.validation().size(), file.seed());
                int cores = jsc.defaultParallelism(), left = s.remaining().size();
                if (placement.equals("auto")) {
                    placement = Sweep.autoPlacement(cores, left);
                    System.out.printf(Locale.ROOT, "trials.placement = auto: %s (%d trials left, %d cores)%n", placement, left, cores);
                }
                if (parallel == 0) {
                    long params = s.largestModel();
                    parallel = Sweep.autoParallel(placement, cores, params, left);
                    System.out.printf(Locale.ROOT, "trials.parallel = auto: %d (%d cores, %s, largest model %,d parameters)%n",
                            parallel, cores, placement.equals("task") ? "one core per trial" : "data-parallel trials", params);
                }
                s.run(jsc, split, parallel, placement);
            } finally {
                jsc.stop();
            }
        } else {
            System.out.println("every trial of " + file.source() + " is finished in " + out + "; rewriting the results");
        }
        s.writeResults();
        TrialResult best = s.best();
        org.apache.hadoop.fs.Path dir = s.out();
        System.out.printf(Locale.ROOT, "results: %s/results.csv, results.json, sweep.html%n", dir);
        if (best == null) {
            throw new IllegalStateException("no trial of " + file.source() + " finished without failing; see " + dir + "/results.csv");
        }
        System.out.printf(Locale.ROOT, "best: %s (%s) with validation accuracy %.2f%% at epoch %d; config %s, model %s%n",
                best.name(), String.join(" ", best.values().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
                100 * best.bestAccuracy(), best.bestEpoch(), dir + "/best.conf", dir + "/best-model.scnn");
        return 0;
    }
}
