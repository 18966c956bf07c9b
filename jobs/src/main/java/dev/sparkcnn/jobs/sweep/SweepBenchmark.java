package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.SparkSetup;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;

/**
 * Concurrent trials against one-after-another: the same 8 short trials (LeNet-5, random lr and
 * momentum, no early stopping so every run does the same work) one at a time, data-parallel over
 * all cores (what running them one after another gives); several at a time, each data-parallel over
 * its share of the cores (placement cluster); and several at a time, each in single tasks (placement
 * task), on one SparkContext in one JVM: the wall times and the speed-ups over the first.
 *
 * <pre>
 *   java [Spark's module flags] -cp ... dev.sparkcnn.jobs.sweep.SweepBenchmark DATA_DIR [CONCURRENT=2] [EPOCHS=1] [MASTER=local[2]] [TRIALS=8]
 * </pre>
 * A one-trial warm-up runs first (untimed) so neither timed run pays for JIT compilation alone.
 * Per-trial log lines go nowhere; only the figures are printed.
 */
public final class SweepBenchmark {

    private SweepBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SweepBenchmark DATA_DIR [CONCURRENT=2] [EPOCHS=1] [MASTER=local[2]] [TRIALS=8]");
            System.exit(2);
        }
        String data = args[0];
        int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        String master = args.length > 3 ? args[3] : "local[2]";
        int trials = args.length > 4 ? Integer.parseInt(args[4]) : 8;

        SweepFile file = SweepFile.parse(sweepText(trials, epochs), "benchmark.sweep", null);
        SweepFile warmup = SweepFile.parse(sweepText(1, 1), "warmup.sweep", null);
        Path root = Files.createTempDirectory("sweep-benchmark");
        SparkConf conf = new SparkConf().setAppName("spark-cnn sweep benchmark").setMaster(master)
                .set("spark.scheduler.mode", "FAIR").set("spark.ui.showConsoleProgress", "false")
                .set("spark.scheduler.allocation.file", new Sweep(file, root, System.out).writeSchedulerPools());
        SparkSetup.configure(conf);
        JavaSparkContext jsc = new JavaSparkContext(conf);
        jsc.setLogLevel("WARN");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try {
            CifarFiles files = Sweep.trainingFiles(data, jsc.hadoopConfiguration());
            CifarBlock all = Sweep.readAll(files, jsc.hadoopConfiguration());
            System.out.printf(Locale.ROOT, "%s; %d trials of lenet5, %d epoch(s) each, on %s (%d cores)%n", files, trials, epochs,
                    master, jsc.defaultParallelism());
            time(warmup, jsc, all, root.resolve("warmup"), 1, "cluster", quiet);
            time(warmup, jsc, all, root.resolve("warmup-task"), 1, "task", quiet);
            double sequential = time(file, jsc, all, root.resolve("sequential"), 1, "cluster", quiet);
            System.out.printf(Locale.ROOT, "one trial at a time, data-parallel on %d cores:   %7.1f s%n", jsc.defaultParallelism(), sequential);
            double cluster = time(file, jsc, all, root.resolve("concurrent-cluster"), concurrent, "cluster", quiet);
            System.out.printf(Locale.ROOT, "%d trials at a time, data-parallel on a share:    %7.1f s  (speed-up %.2fx)%n",
                    concurrent, cluster, sequential / cluster);
            double tasks = time(file, jsc, all, root.resolve("concurrent-task"), concurrent, "task", quiet);
            System.out.printf(Locale.ROOT, "%d trials at a time, each in single tasks:        %7.1f s  (speed-up %.2fx)%n",
                    concurrent, tasks, sequential / tasks);
        } finally {
            jsc.stop();
            deleteTree(root);
        }
    }

    static String sweepText(int trials, int epochs) {
        return String.join("\n",
                "search = random",
                "trials = " + trials,
                "seed = 7",
                "validation.fraction = 0.1",
                "epochs = " + epochs,
                "asha = false",
                "set.model = lenet5",
                "set.batch.size = 64",
                "set.schedule = constant",
                "set.log.every = 1000",
                "space.lr = loguniform(0.005, 0.05)",
                "space.momentum = uniform(0.8, 0.95)",
                "");
    }

    private static double time(SweepFile file, JavaSparkContext jsc, CifarBlock all, Path out, int parallel, String placement, PrintStream log) {
        Sweep s = new Sweep(file, out, log);
        s.prepare(all.size(), false);
        ValidationSplit split = s.split(all);
        long t0 = System.nanoTime();
        s.run(jsc, split, parallel, placement);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long failed = s.results().values().stream().filter(TrialResult::failed).count();
        if (failed > 0) System.out.println("warning: " + failed + " trial(s) failed in " + out);
        return seconds;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
