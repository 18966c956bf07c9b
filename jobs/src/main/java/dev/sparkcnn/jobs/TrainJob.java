package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.driver.model.CifarCompatibility;
import dev.sparkcnn.driver.train.ResumedConfig;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.driver.data.DataSets;
import dev.sparkcnn.driver.data.ImageSource;
import dev.sparkcnn.driver.ml.ImageTable;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.metrics.MetricsLog;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.GangScheduling;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code train}: synchronous data-parallel training of a model spec on CIFAR-10, writing a run
 * directory: config.conf, metrics.jsonl, checkpoints/, model.scnn, summary.json, report.html.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a CNN on CIFAR-10 with synchronous data parallelism.",
                "Settings come from the defaults, then --config, then the flags below, then --set."})
final class TrainJob implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = {"training data, any Hadoop URI: CIFAR-10 binary (a directory with data_batch_1..5.bin, a .bin file or a glob),",
                    "CIFAR-100 binary (a directory with train.bin), an image folder (DIR/train/<class>/*.png|jpg, optional DIR/test/)",
                    "or a Parquet table (image bytes + label); data.format overrides the detection"})
    String data;

    @Option(names = "--test-data", paramLabel = "PATH",
            description = "test set (default: test_batch.bin / test.bin next to the training files, a folder's test/, or validation.fraction)")
    String testData;

    @Option(names = "--out", paramLabel = "DIR",
            description = "run directory, any Hadoop URI (default: runs/MODEL-yyyyMMdd-HHmmss)")
    String out;

    @Option(names = "--config", paramLabel = "FILE", description = "a training config, e.g. conf/train/cifar-quick.conf")
    java.nio.file.Path config;

    @Option(names = "--model", paramLabel = "SPEC", description = "model spec file or shipped name (config key model)")
    String model;

    @Option(names = "--epochs", paramLabel = "N", description = "config key epochs")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "global mini-batch (config key batch.size)")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "RATE", description = "learning rate (config key lr)")
    Double lr;

    @Option(names = "--partitions", paramLabel = "N", description = "data partitions (config key partitions; default: cluster cores)")
    Integer partitions;

    @Option(names = "--seed", paramLabel = "N", description = "config key seed")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any config key (repeatable); see --list-keys")
    List<String> sets = new ArrayList<>();

    @Option(names = "--resume", description = "continue from the newest checkpoint in DIR/checkpoints, with the settings it was "
            + "started with (a setting that would change training is refused by name)")
    boolean resume;

    @Option(names = "--list-keys", help = true, description = "print every config key with its default and exit")
    boolean listKeys;

    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        if (listKeys) {
            for (Map.Entry<String, String[]> e : TrainConfig.KEYS.entrySet()) {
                System.out.printf("%-22s %-12s %s%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
            }
            return 0;
        }
        if (resume && out == null) {
            throw new ParameterException(commandSpec.commandLine(), "--resume continues the run directory given with --out; none was given");
        }
        Configuration hadoop = new Configuration();
        // Everything is checked before the run directory is touched: settings, spec, data, checkpoint.
        TrainConfig.Builder requested = TrainConfig.builder();
        if (config != null) requested.file(config);
        requestedFlags(requested);
        Path outDir = out == null ? null : new Path(out);
        ModelFile checkpoint = null;
        Path checkpointFile = null;
        TrainConfig cfg;
        ModelSpec spec;
        if (resume) {
            CheckpointStore existing = new CheckpointStore(new Path(outDir, "checkpoints").toString(), hadoop, 1);
            checkpointFile = existing.newest();
            if (checkpointFile != null) checkpoint = existing.latest();
        }
        if (checkpoint != null) {
            // the checkpoint's own config and spec are the truth; what this run asks for may only add to them
            String name = checkpointFile.toString();
            TrainConfig saved = TrainConfig.fromText(checkpoint.text("config"), name + " (config)");
            String savedSpec = checkpoint.text("spec");
            cfg = ResumedConfig.resolve(saved, savedSpec, requested, name, m -> ModelSpec.resolve(m).text());
            spec = ModelSpec.parse(savedSpec, name + " (spec)");
        } else {
            if (resume) {
                // no checkpoint yet: the run starts again from the configuration it was started with
                Path saved = new Path(outDir, "config.conf");
                FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(saved, hadoop);
                TrainConfig.Builder b = TrainConfig.builder();
                if (fs.exists(saved)) b.text(new String(CheckpointStore.readAll(saved, hadoop), StandardCharsets.UTF_8), saved.toString());
                if (config != null) b.file(config);
                requestedFlags(b);
                requested = b;
            }
            cfg = requested.build();
            spec = ModelSpec.resolve(cfg.model());
        }
        if (outDir == null) {
            String name = java.nio.file.Path.of(cfg.model()).getFileName().toString().replaceAll("\\.model$", "");
            outDir = new Path("runs/" + name + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Network net = spec.build();   // shape errors before Spark starts
        int channels = net.inputShape().channels();
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException(spec.source() + " takes input " + net.inputShape() + ", but images decode to 1 (grey) "
                    + "or 3 (RGB) channels: start the spec with 'input 3xHxW' or 'input 1xHxW'");
        }
        String conflict = GangScheduling.dynamicAllocationConflict(cfg, spark.conf);
        if (conflict != null) {
            System.err.println("error: " + conflict);
            return 2;
        }
        String format = DataSets.format(data, cfg, hadoop);
        DataSets files = format.equals("parquet") ? null : DataSets.resolve(format, data, testData, cfg, hadoop);
        ImageSource train = files == null ? null : files.train(), test = files == null ? null : files.test();
        if (train != null) {
            CifarCompatibility.require(net, spec.source(), null, train.classNames().size(), train.description());
            new ShardPlan(train.records(), cfg.shards()).requireFits(net.inputShape().size());   // checked here, not in a task
        }
        FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(outDir, hadoop);
        Path checkpoints = new Path(outDir, "checkpoints");
        if (!resume && fs.exists(checkpoints) && fs.listStatus(checkpoints).length > 0) {
            throw new IllegalArgumentException("run directory " + outDir + " already has checkpoints: pass --resume to continue it, "
                    + "or choose another --out");
        }
        if (checkpoint == null) {
            fs.mkdirs(outDir);
            CheckpointStore.writeAtomically(new Path(outDir, "config.conf"), configText(cfg, null, null), hadoop);
        }

        long started = System.nanoTime();
        JavaSparkContext jsc = SparkContexts.start("spark-cnn train " + cfg.model(), spark.master, spark.conf);
        try {
            int p = cfg.getInt("partitions") > 0 ? cfg.getInt("partitions") : Math.min(jsc.defaultParallelism(), cfg.shards());
            // the GEMM decides the speed by 10x (the Vector API module on or not): say which one computes here
            ImageTable table = null, testTable = null;
            List<String> classNames;
            SparkGradientSource source;
            // both sources compute on the same kernels: a missing JIT flag is worth a line either way
            String jit = dev.sparkcnn.kernels.gemm.Gemms.jitFlagsAdvice();
            if (jit != null) System.err.println("warning: " + jit);
            if (train != null) {
                System.out.printf("training %s (%,d parameters) on %s; test: %s; %d partitions on %s; GEMM %s%n",
                        cfg.model(), net.paramCount(), train, test == null ? "none" : test, p, jsc.master(),
                        dev.sparkcnn.kernels.gemm.Gemms.create().name());
                classNames = train.classNames();
                source = new SparkGradientSource(jsc, train, test, cfg, spec.text(), p);
            } else {
                // a table: decoded and cut into shards in its own partitions (the driver sees counts and class names)
                org.apache.spark.sql.SparkSession session = org.apache.spark.sql.SparkSession.builder().sparkContext(jsc.sc()).getOrCreate();
                boolean skip = cfg.get("data.skip.unreadable").equals("true");
                long maxPixels = cfg.getLong("data.max.pixels");
                table = ImageTable.of(session.read().parquet(data), cfg.get("data.image.column"), cfg.get("data.label.column"),
                        net.inputShape(), null, null, cfg.seed(), skip, maxPixels);
                classNames = table.classNames();
                long n = table.shards().records();
                CifarCompatibility.require(net, spec.source(), null, classNames.size(), "table " + data);
                SparkGradientSource.ShardSource trainShards, testShards = null;
                long trainRecords = n, testRecords = 0;
                if (testData != null) {
                    testTable = ImageTable.of(session.read().parquet(testData), cfg.get("data.image.column"), cfg.get("data.label.column"),
                            net.inputShape(), null, classNames, cfg.seed(), skip, maxPixels);
                    ImageTable tt = testTable, tr = table;
                    testRecords = tt.shards().records();
                    long m = testRecords;
                    trainShards = (plan, parts) -> tr.shards().shards(0, n, plan, parts, "training shards");
                    testShards = (plan, parts) -> tt.shards().shards(0, m, plan, parts, "test shards");
                } else {
                    double fraction = cfg.getDouble("validation.fraction");
                    long held = Math.round(n * fraction);
                    if (fraction > 0 && (held == 0 || held == n)) {
                        throw new IllegalArgumentException("validation.fraction = " + fraction + " of " + n + " rows holds out " + held
                                + ": use a fraction that leaves rows on both sides");
                    }
                    long keep = n - held;
                    ImageTable tr = table;
                    trainRecords = keep;
                    testRecords = held;
                    trainShards = (plan, parts) -> tr.shards().shards(0, keep, plan, parts, "training shards");
                    if (held > 0) testShards = (plan, parts) -> tr.shards().shards(keep, n, plan, parts, "validation shards");
                }
                System.out.printf("training %s (%,d parameters) on table %s (%,d rows, %d classes%s); test: %s; %d partitions on %s%n",
                        cfg.model(), net.paramCount(), data, trainRecords, classNames.size(),
                        table.skipped() > 0 ? ", " + table.skipped() + " unreadable rows skipped" : "",
                        testShards == null ? "none" : testRecords + " rows", p, jsc.master());
                new ShardPlan(trainRecords, cfg.shards()).requireFits(net.inputShape().size());
                source = SparkGradientSource.fromShards(jsc, trainRecords, trainShards, testShards, testRecords, cfg, spec.text(), p,
                        net.inputShape(), classNames.size(), "table " + data);
            }
            if (source.skipped() > 0) System.out.printf("skipped %,d unreadable images (data.skip.unreadable = true)%n", source.skipped());
            try (source;
                 MetricsLog metrics = new MetricsLog(new Path(outDir, "metrics.jsonl").toString(), hadoop, checkpoint != null)) {
                GangScheduling.Resolution exchange = source.exchange();
                CheckpointStore store = new CheckpointStore(checkpoints.toString(), hadoop, cfg.getInt("checkpoint.keep"));
                Progress progress = new Progress(System.out, System.console() != null, cfg.getInt("log.every"), cfg.epochs(),
                        source.plan().stepsPerEpoch(cfg.batchSize()));
                Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), store, metrics, progress).classNames(classNames);
                if (checkpoint != null) {
                    trainer.restore(checkpoint, checkpointFile.toString());
                    // only now, with the checkpoint restored, does the run directory record the resumed settings
                    CheckpointStore.writeAtomically(new Path(outDir, "config.conf"), configText(cfg, trainer, exchange), hadoop);
                    System.out.printf("resumed at step %d (epoch %d) from %s%n", trainer.globalStep(), trainer.epoch() + 1, checkpointFile);
                    long maxSteps = cfg.getLong("max.steps");
                    if (maxSteps > 0 && trainer.globalStep() >= maxSteps) {
                        System.out.printf("note: max.steps = %d (steps in total, from the checkpoint's config) is reached; "
                                + "pass --set max.steps=0 (or more steps) to train on%n", maxSteps);
                    }
                } else if (resume) {
                    System.out.println("--resume: no checkpoint in " + store.location() + ", starting fresh");
                }
                // what the exchange became on this cluster, recorded once the checkpoint (if any) is restored: a refused
                // resume leaves the run directory as it was
                if (checkpoint == null) CheckpointStore.writeAtomically(new Path(outDir, "config.conf"), configText(cfg, null, exchange), hadoop);
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("type", "run");
                run.put("exchange", exchange.exchange());
                run.put("exchange_reason", exchange.reason());
                metrics.write(run);
                trainer.run();
                SavedModel model = trainer.model();
                model.save(new Path(outDir, SavedModel.FILE_NAME).toString(), hadoop);
                double wall = (System.nanoTime() - started) / 1e9;
                EvalResult eval = trainer.lastEval();
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("model", cfg.model());
                summary.put("parameters", trainer.network().paramCount());
                summary.put("steps", trainer.globalStep());
                summary.put("epochs", trainer.epoch());
                summary.put("partitions", p);
                summary.put("master", jsc.master());
                summary.put("exchange", exchange.exchange());
                summary.put("exchange_reason", exchange.reason());
                summary.put("wall_seconds", wall);
                summary.put("data_format", format);
                summary.put("classes", classNames);
                summary.put("input", net.inputShape().toString());
                if (source.skipped() > 0) summary.put("skipped_unreadable", source.skipped());
                if (eval != null) {
                    summary.put("test_accuracy", eval.accuracy());
                    summary.put("test_loss", eval.meanLoss());
                    summary.put("test_per_class_accuracy", eval.perClassAccuracy());
                    summary.put("confusion", eval.confusion);
                }
                metrics.close();   // the report reads the complete metrics file
                write(fs, new Path(outDir, "summary.json"), Json.object(summary) + "\n");
                Reports.write(outDir, hadoop, cfg, model, test, eval, summary);
                System.out.printf("done: %d steps in %s; model %s; report %s%n", trainer.globalStep(), Progress.duration(wall),
                        new Path(outDir, SavedModel.FILE_NAME), new Path(outDir, "report.html"));
                if (eval != null) System.out.print(eval.table(model.classNames()));
            } finally {
                if (table != null) table.close();
                if (testTable != null) testTable.close();
            }
        } finally {
            jsc.stop();
        }
        return 0;
    }

    private static byte[] configText(TrainConfig cfg, Trainer resumed, GangScheduling.Resolution exchange) {
        String head = resumed == null ? "# resolved configuration of this run\n"
                : "# resolved configuration of this run (resumed at step " + resumed.globalStep() + ")\n";
        // the exchange = auto decision is recorded as a comment: a resumed run decides again on its own cluster
        String decided = exchange == null ? "" : "# exchange on this cluster: " + exchange + "\n";
        return (head + decided + cfg.toText()).getBytes(StandardCharsets.UTF_8);
    }

    /** The flags and --set assignments, in that order, onto {@code b}. */
    private void requestedFlags(TrainConfig.Builder b) {
        if (model != null) b.set("model", model, "--model");
        if (epochs != null) b.set("epochs", String.valueOf(epochs), "--epochs");
        if (batchSize != null) b.set("batch.size", String.valueOf(batchSize), "--batch-size");
        if (lr != null) b.set("lr", String.valueOf(lr), "--lr");
        if (partitions != null) b.set("partitions", String.valueOf(partitions), "--partitions");
        if (seed != null) b.set("seed", String.valueOf(seed), "--seed");
        for (String s : sets) b.override(s);
    }

    static void write(FileSystem fs, Path file, String text) throws IOException {
        try (var o = fs.create(file, true)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
