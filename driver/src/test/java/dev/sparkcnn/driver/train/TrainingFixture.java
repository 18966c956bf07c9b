package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.util.List;

/** Builds trainers over a small real CIFAR-10 subset, locally (the reference) or on Spark. */
final class TrainingFixture {

    static final Path DATA = TestCifar.subset(10);   // 100 training, 100 test images

    /** A small net with batch norm and dropout, for the partitioning invariants. */
    static final String BN_DROPOUT = String.join("\n",
            "input 3x32x32",
            "conv filters=8 size=3 pad=1",
            "batchnorm",
            "relu",
            "maxpool size=2",
            "conv filters=8 size=3 pad=1 stride=2 round=floor",
            "batchnorm",
            "relu",
            "dropout p=0.3",
            "fc units=16",
            "relu",
            "fc units=10");

    private TrainingFixture() {
    }

    static CifarFiles train() {
        return CifarFiles.resolve(DATA.toString(), CifarRecords.TRAIN_FILES, new Configuration());
    }

    static CifarFiles test() {
        return CifarFiles.resolve(DATA.resolve(CifarRecords.TEST_FILE).toString(), List.of(), new Configuration());
    }

    static ModelSpec spec(String modelOrText) {
        return modelOrText.contains("\n") ? ModelSpec.parse(modelOrText, "test spec") : ModelSpec.resolve(modelOrText);
    }

    /** A trainer on the reference source (partitions only matter for model averaging). */
    static Trainer local(TrainConfig cfg, int partitions, CheckpointStore store) {
        ModelSpec spec = spec(cfg.model());
        LocalGradientSource src = new LocalGradientSource(train(), test(), cfg, spec.text(), partitions, new Configuration());
        return new Trainer(cfg, spec, src, src.normalization(), store, null, null);
    }

    static Trainer spark(TrainConfig cfg, int partitions, CheckpointStore store) {
        ModelSpec spec = spec(cfg.model());
        SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), train(), test(), cfg, spec.text(), partitions);
        return new Trainer(cfg, spec, src, src.normalization(), store, null, null);
    }

    /** max |a - b| / max |a|. */
    static double relativeDifference(float[] a, float[] b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return diff / scale;
    }

    /** Runs {@code t} to its end; its parameters followed by its batch-norm state, for bitwise comparisons. */
    static float[] trained(Trainer t) {
        t.run();
        float[] p = t.params(), s = t.state();
        float[] all = java.util.Arrays.copyOf(p, p.length + s.length);
        System.arraycopy(s, 0, all, p.length, s.length);
        return all;
    }
}
