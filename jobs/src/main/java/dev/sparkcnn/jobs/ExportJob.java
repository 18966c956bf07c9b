package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.onnx.OnnxExporter;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code export}: a trained model as ONNX, for serving outside Spark (no Spark started). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export a trained model to ONNX (no Spark).",
                "The ONNX model takes pixels (N x 3 x 32 x 32 float, values 0..255, CIFAR layout) and gives probabilities (N x classes)."})
final class ExportJob implements Callable<Integer> {

    @Option(names = "--model-file", required = true, paramLabel = "PATH", description = "model.scnn, or a run directory; any Hadoop URI")
    String modelFile;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the ONNX file to write, e.g. model.onnx; any Hadoop URI")
    String out;

    @Override
    public Integer call() {
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(modelFile, hadoop);
        long bytes = OnnxExporter.write(model, out, hadoop);
        int classes = model.network().outputShape().size();
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes, ONNX opset %d): input %s [N, 3, 32, 32] float 0..255, output %s [N, %d]%n",
                out, bytes, OnnxExporter.OPSET, OnnxExporter.INPUT, OnnxExporter.OUTPUT, classes);
        if (model.trainingConfig() == null) {
            System.out.println("note: " + modelFile + " predates stored training configs; the ONNX metadata has no training_config");
        }
        return 0;
    }
}
