package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.DataSets;
import dev.sparkcnn.driver.data.ImageSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.Evaluator;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code evaluate}: accuracy, per-class accuracy and confusion matrix of a trained model on a dataset. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a trained model on CIFAR-10 data (distributed); print a table and write JSON.")
final class EvaluateJob implements Callable<Integer> {

    @Option(names = "--model-file", required = true, paramLabel = "PATH", description = "model.scnn, or a run directory")
    String modelFile;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "CIFAR-10 binary data: a directory (uses test_batch.bin), a .bin file or a glob")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "write the figures as JSON here")
    String out;

    @Option(names = "--partitions", paramLabel = "N", description = "default: the cluster's default parallelism")
    Integer partitions;

    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        if (partitions != null && partitions <= 0) {
            throw new ParameterException(commandSpec.commandLine(), "--partitions " + partitions + ": must be positive");
        }
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(modelFile, hadoop);
        // the model's own training config decides the format options (data.label, validation.fraction, seed) unless the data says
        TrainConfig cfg = model.trainingConfig() == null ? TrainConfig.defaults()
                : TrainConfig.fromText(model.trainingConfig(), modelFile + " (config)");
        cfg = cfg.with("data.format", "auto");
        String format = DataSets.format(data, cfg, hadoop);
        ImageSource files;
        if (format.equals("folder")) {
            // the folder's test/ (or the held-out split the model was trained without)
            files = DataSets.resolve(format, data, null, cfg, hadoop).test();
            if (files == null) throw new IllegalArgumentException("image folder " + data + " has no test/ and validation.fraction = 0: nothing to evaluate on");
        } else if (format.equals("cifar100")) {
            files = CifarFiles.resolve(data, List.of(CifarFiles.CIFAR100_TEST), hadoop, cfg.get("data.label").equals("coarse")
                    ? CifarFiles.Layout.CIFAR100_COARSE : CifarFiles.Layout.CIFAR100_FINE);
        } else if (format.equals("cifar10")) {
            files = CifarFiles.resolve(data, List.of(CifarRecords.TEST_FILE), hadoop);
        } else {
            throw new IllegalArgumentException("evaluate reads CIFAR-10/100 binary or an image folder; " + data + " is " + format);
        }
        JavaSparkContext jsc = SparkContexts.start("spark-cnn evaluate", spark.master, spark.conf);
        try {
            int p = partitions != null ? partitions : jsc.defaultParallelism();
            EvalResult r = Evaluator.evaluate(jsc, model, files, p, cfg.getLong("data.max.pixels"));
            System.out.println("model " + modelFile + " on " + files);
            System.out.print(r.table(model.classNames()));
            if (out != null) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("model", modelFile);
                json.put("data", files instanceof CifarFiles ? ((CifarFiles) files).uris() : List.of(files.description()));
                json.put("images", r.count());
                json.put("accuracy", r.accuracy());
                json.put("loss", r.meanLoss());
                json.put("classes", model.classNames());
                json.put("per_class_accuracy", r.perClassAccuracy());
                json.put("confusion", r.confusion);
                Path file = new Path(out);
                TrainJob.write(dev.sparkcnn.driver.data.FileSystems.of(file, hadoop), file, Json.object(json) + "\n");
                System.out.println("wrote " + file);
            }
        } finally {
            jsc.stop();
        }
        return 0;
    }
}
