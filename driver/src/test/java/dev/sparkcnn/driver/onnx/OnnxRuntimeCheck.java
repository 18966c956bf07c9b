package dev.sparkcnn.driver.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.train.LocalGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Helpers shared by the export tests and the benchmark: a model trained for a few steps on real
 * CIFAR-10 images, the images as the ONNX model's input, and ONNX Runtime's probabilities.
 */
final class OnnxRuntimeCheck {

    private OnnxRuntimeCheck() {
    }

    /**
     * {@code spec} trained for {@code steps} SGD steps of 20 images (no augmentation) on the training
     * files of {@code data}: enough to move every weight, bias and batch-norm statistic off its initial value.
     */
    static SavedModel trained(ModelSpec spec, Path data, int steps, long seed) {
        TrainConfig cfg = TrainConfig.builder().set("model", spec.source()).set("batch.size", 20).set("epochs", 1)
                .set("max.steps", steps).set("lr", 0.05).set("warmup.epochs", 0).set("schedule", "constant")
                .set("augment", "false").set("seed", seed).set("data.shards", 4).set("eval.every", 0).build();
        CifarFiles train = CifarFiles.resolve(data.toString(), CifarRecords.TRAIN_FILES, new Configuration());
        LocalGradientSource source = new LocalGradientSource(train, null, cfg, spec.text(), 1, new Configuration());
        Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), null, null, null);
        trainer.run();
        return trainer.model();
    }

    static CifarBlock testImages(Path data) {
        try {
            return CifarBlock.read(data.resolve(CifarRecords.TEST_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Images [from, from + n) of a block as the model's input: raw 0..255 values, (n, 3, 32, 32). */
    static float[] pixels(CifarBlock block, int from, int n) {
        float[] x = new float[n * CifarRecords.IMAGE_BYTES];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int xx = 0; xx < 32; xx++) {
                        x[i * CifarRecords.IMAGE_BYTES + c * CifarRecords.PLANE_BYTES + y * 32 + xx] = block.pixel(from + i, c, y, xx);
                    }
                }
            }
        }
        return x;
    }

    /** ONNX Runtime's output for n images given as {@link #pixels}. */
    static float[][] run(OrtEnvironment env, OrtSession session, float[] pixels, int n) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {n, 3, 32, 32});
             OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, input))) {
            return (float[][]) result.get(0).getValue();
        }
    }
}
