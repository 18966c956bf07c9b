package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark training with 1, 2, 3 and 4 partitions against {@link ReferenceTrainer}, a plain trainer that
 * knows nothing of shards, partitions or the step code: 20 steps (5 epochs) of 40-image batches on 160
 * real CIFAR-10 images in 8 shards, for cifar-quick with crops and flips, and for a net with batch
 * norm, dropout and flips. Three partitions own 2, 3 and 3 shards (3 does not divide 8).
 *
 * <p>Tolerance, as max |spark - reference| / max |reference| over all parameters and batch-norm
 * statistics: {@value #CIFAR_QUICK_TOLERANCE} for cifar-quick, {@value #BN_TOLERANCE} for the batch-norm net.
 * The two trainers get bitwise the same inputs but add in another order (one GEMM over the whole
 * batch against one per shard slice, partition sums added in partition order). Those float32 rounding
 * differences stay near 1e-7 until a ReLU or max-pool decision on a near-tie goes the other way, after
 * which momentum SGD carries the difference along: measured here (lr 0.02, 20 steps, any augmentation)
 * up to 4.2e-4 for cifar-quick and 2.9e-5 for the batch-norm net. A semantic difference is 50 times
 * larger or more: mirroring one record's flip or changing one record's label moves the parameters by
 * 2e-2 to 4e-1, a wrong dropout key by 1e-1, batch-norm groups of 10 instead of 5 by 0.8 and more.
 */
class IndependentReferenceTest {

    static final double CIFAR_QUICK_TOLERANCE = 2e-3;
    static final double BN_TOLERANCE = 2e-4;
    static final int STEPS = 20;

    private static TrainConfig config(String model, String augment) {
        return TrainConfig.builder()
                .set("model", model).set("batch.size", 40).set("epochs", 5).set("lr", 0.02).set("seed", 11)
                .set("data.shards", 8).set("augment", augment).set("eval.every", 0).set("max.steps", STEPS).build();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cifar-quick", "bn-dropout"})
    void oneTwoThreeFourPartitionsMatchThePlainReference(String model) throws Exception {
        Path dir = TestCifar.subset(16);   // 160 training images
        List<Path> files = new ArrayList<>();
        for (String f : CifarRecords.TRAIN_FILES) files.add(dir.resolve(f));
        CifarBlock all = CifarBlock.readAll(files);
        TrainConfig cfg = model.equals("bn-dropout") ? config(TrainingFixture.BN_DROPOUT, "flip") : config(model, "true");
        double tolerance = model.equals("bn-dropout") ? BN_TOLERANCE : CIFAR_QUICK_TOLERANCE;
        ModelSpec spec = TrainingFixture.spec(cfg.model());

        ReferenceTrainer reference = new ReferenceTrainer(cfg, spec, all);
        reference.train(STEPS);
        float[] expected = reference.paramsAndState();

        CifarFiles train = CifarFiles.resolve(dir.toString(), CifarRecords.TRAIN_FILES, new Configuration());
        float[] initial = null;
        for (int partitions : new int[] {1, 2, 3, 4}) {
            try (SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), train, null, cfg, spec.text(), partitions)) {
                Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
                if (initial == null) initial = withState(t.params().clone(), t.state());
                t.run();
                assertTrue(t.globalStep() == STEPS, "ran " + t.globalStep() + " steps");
                float[] got = withState(t.params(), t.state());
                double d = TrainingFixture.relativeDifference(expected, got);
                System.out.printf("%s, %d partitions vs the plain reference after %d steps: max relative difference %.2e%n",
                        model, partitions, STEPS, d);
                assertTrue(d < tolerance, model + " with " + partitions + " partitions differs from the plain reference by " + d);
            }
        }
        // and the comparison has teeth: training moved the parameters far beyond the tolerance
        double moved = TrainingFixture.relativeDifference(expected, initial);
        System.out.printf("%s: 20 steps moved the parameters by %.2e%n", model, moved);
        assertTrue(moved > 50 * tolerance, "20 steps moved the parameters by only " + moved);
    }

    private static float[] withState(float[] p, float[] s) {
        float[] all = java.util.Arrays.copyOf(p, p.length + s.length);
        System.arraycopy(s, 0, all, p.length, s.length);
        return all;
    }
}
