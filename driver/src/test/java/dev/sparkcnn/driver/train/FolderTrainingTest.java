package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.data.ImageFolderSource;
import dev.sparkcnn.kernels.data.TestImageFolders;
import dev.sparkcnn.driver.model.CifarCompatibility;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training on an image folder tree (PNG and JPEG, some 64x64, some grey, 3 classes) with a 64x64
 * model: the images are decoded on the executors; the guarantees of CIFAR-10 training hold.
 */
class FolderTrainingTest {

    static final Path TREE = TestImageFolders.build(Path.of("target", "test-data", "folder-3class-10"), 10, true);

    static final String SPEC64 = String.join("\n",
            "input 3x64x64",
            "conv filters=4 size=3 pad=1",
            "batchnorm",
            "relu",
            "maxpool size=4",
            "conv filters=6 size=3 pad=1",
            "relu",
            "dropout p=0.2",
            "maxpool size=2",
            "fc units=3");

    static TrainConfig config(int steps) {
        // 30 images, batch 10: 3 steps per epoch
        return TrainConfig.builder().set("model", SPEC64).set("batch.size", 10).set("epochs", 3).set("max.steps", steps)
                .set("lr", 0.02).set("seed", 5).set("data.shards", 4).set("augment", true).set("eval.every", 1).build();
    }

    static ImageFolderSource.Split data(TrainConfig cfg) {
        return ImageFolderSource.resolve(TREE.toString(), new Configuration(), cfg.seed(), 0.1, false);
    }

    static Trainer spark(TrainConfig cfg, int partitions, CheckpointStore store) {
        ImageFolderSource.Split d = data(cfg);
        SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), d.train(), d.test(), cfg, SPEC64, partitions);
        return new Trainer(cfg, ModelSpec.parse(SPEC64, "64x64 test spec"), src, src.normalization(), store, null, null)
                .classNames(d.train().classNames());
    }

    @Test
    void samePartitioningIsBitwiseAndOneTwoFourPartitionsAgreeWithTheReference() {
        TrainConfig cfg = config(6);
        ImageFolderSource.Split d = data(cfg);
        LocalGradientSource ref = new LocalGradientSource(LocalGradientSource.Data.load(d.train(), d.test(), cfg.shards(),
                ModelSpec.parse(SPEC64, "spec").build().inputShape(), cfg.getLong("data.max.pixels"), new Configuration()),
                cfg, SPEC64, 1);
        float[] reference = TrainingFixture.trained(new Trainer(cfg, ModelSpec.parse(SPEC64, "spec"), ref, ref.normalization(), null, null, null));
        for (int p : new int[] {1, 2, 4}) {
            Trainer first = spark(cfg, p, null);
            float[] a = TrainingFixture.trained(first), b = TrainingFixture.trained(spark(cfg, p, null));
            assertArrayEquals(a, b, p + " partitions, same seed: bitwise");
            double diff = TrainingFixture.relativeDifference(reference, a);
            System.out.printf("folder, 64x64: %d partitions vs single-process reference: relative difference %.2e%n", p, diff);
            assertTrue(diff < 1e-5, p + " partitions differ from the reference by " + diff);
            if (p == 1) assertArrayEquals(reference, a, "one partition sums in the reference's order: bitwise");
            assertEquals(30, first.lastEval().count(), "the test/ folder is evaluated");
            assertEquals(List.of("airplane", "cat", "ship"), first.model().classNames());
            assertEquals(3, first.model().normalization().channels());
        }
        float[] other = TrainingFixture.trained(spark(cfg.with("seed", 6), 2, null));
        assertTrue(TrainingFixture.relativeDifference(reference, other) > 1e-3, "another seed, other parameters");
    }

    @Test
    void resumeIsExact(@TempDir Path dir) {
        TrainConfig cfg = config(0);   // 3 epochs of 3 steps
        float[] full = TrainingFixture.trained(spark(cfg, 2, null));
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        Trainer first = spark(cfg.with("max.steps", 4), 2, store);
        TrainingFixture.trained(first);
        assertEquals(4, first.globalStep());
        Trainer resumed = spark(cfg, 2, store);
        assertTrue(resumed.resume());
        assertArrayEquals(full, TrainingFixture.trained(resumed));
    }

    @Test
    void aSpecWhoseOutputDoesNotMatchTheClassesIsRefusedNamingBoth() {
        String tenClasses = SPEC64.replace("fc units=3", "fc units=10");
        TrainConfig cfg = config(1).with("model", tenClasses);
        ImageFolderSource.Split d = data(cfg);
        CifarCompatibility.IncompatibleModelException e = assertThrows(CifarCompatibility.IncompatibleModelException.class,
                () -> new SparkGradientSource(SparkTestContext.get(), d.train(), d.test(), cfg, tenClasses, 2));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("scores 10 classes") && e.getMessage().contains("has 3 classes")
                && e.getMessage().contains("fc units=3"), e.getMessage());
    }
}
