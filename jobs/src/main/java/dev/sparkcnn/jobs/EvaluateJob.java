package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.data.CifarFiles;
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
        dev.sparkcnn.driver.model.CifarCompatibility.require(model.network(), model.spec().source());
        CifarFiles files = CifarFiles.resolve(data, List.of(CifarRecords.TEST_FILE), hadoop);
        JavaSparkContext jsc = SparkContexts.start("spark-cnn evaluate", spark.master, spark.conf);
        try {
            int p = partitions != null ? partitions : jsc.defaultParallelism();
            EvalResult r = Evaluator.evaluate(jsc, model, files, p);
            System.out.println("model " + modelFile + " on " + files);
            System.out.print(r.table());
            if (out != null) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("model", modelFile);
                json.put("data", files.uris());
                json.put("images", r.count());
                json.put("accuracy", r.accuracy());
                json.put("loss", r.meanLoss());
                json.put("classes", CifarClasses.NAMES);
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
