package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run whose epochs are single Spark tasks (how a sweep trains many small trials at once) is the
 * single-process run, bitwise, with the same per-step and per-epoch records; a listener ends it
 * after any epoch; a diverging run fails on the driver with the trainer's own error.
 */
class TaskTrainerTest {

    private static CifarBlock train, test;

    @BeforeAll
    static void data() throws IOException {
        List<java.nio.file.Path> files = new ArrayList<>();
        for (String f : CifarRecords.TRAIN_FILES) files.add(TrainingFixture.DATA.resolve(f));
        train = CifarBlock.readAll(files);
        test = CifarBlock.read(TrainingFixture.DATA.resolve(CifarRecords.TEST_FILE));
    }

    private static TrainConfig config(int epochs) {
        // 100 images, batch 40: 3 steps per epoch; batch norm, dropout, augmentation, momentum, a schedule
        return TrainConfig.builder()
                .set("model", TrainingFixture.BN_DROPOUT).set("batch.size", 40).set("epochs", epochs)
                .set("lr", 0.02).set("momentum", 0.9).set("schedule", "cosine").set("seed", 11).set("data.shards", 8)
                .set("augment", true).set("eval.every", 1).build();
    }

    /** Collects the records a run reports, and stops it after {@code stopAt} epochs (0: never). */
    private static final class Recorder implements Trainer.Listener {
        final List<Object> losses = new ArrayList<>();
        final List<Double> accuracies = new ArrayList<>();
        final int stopAt;

        Recorder(int stopAt) {
            this.stopAt = stopAt;
        }

        @Override
        public void onStep(Map<String, Object> record) {
            losses.add(record.get("loss"));
        }

        @Override
        public void onEpoch(Map<String, Object> record, EvalResult eval) {
            accuracies.add(eval.accuracy());
        }

        @Override
        public boolean stopAfterEpoch(Map<String, Object> record, EvalResult eval) {
            return stopAt > 0 && ((Number) record.get("epoch")).intValue() >= stopAt;
        }
    }

    @Test
    void epochsInSingleTasksAreTheSingleProcessRunBitwise() {
        TrainConfig cfg = config(3);
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        LocalGradientSource src = new LocalGradientSource(LocalGradientSource.Data.of(train, test, 8), cfg, spec.text(), 1);
        Recorder expected = new Recorder(0);
        Trainer reference = new Trainer(cfg, spec, src, src.normalization(), null, null, expected);
        reference.run();

        Recorder got = new Recorder(0);
        try (TaskTrainer.SharedData data = TaskTrainer.SharedData.broadcast(SparkTestContext.get(), train, test)) {
            TaskTrainer t = new TaskTrainer(SparkTestContext.get(), data, cfg, spec, null, got);
            t.run();
            assertArrayEquals(reference.params(), t.params(), "parameters");
            assertArrayEquals(reference.state(), t.state(), "batch-norm running statistics");
            assertEquals(3, t.epoch());
            assertEquals(reference.globalStep(), t.globalStep());
            assertFalse(t.stoppedEarly());
            assertArrayEquals(src.normalization().mean(), data.normalization().mean());
            assertArrayEquals(src.normalization().std(), data.normalization().std());
        }
        assertEquals(9, expected.losses.size());
        assertEquals(expected.losses, got.losses, "per-step losses");
        assertEquals(expected.accuracies, got.accuracies, "per-epoch accuracies");
    }

    @Test
    void aLaterSparkContextInTheSameJvmNeverTrainsOnAnEarlierContextsData() {
        // Broadcast ids restart at 0 with every SparkContext; the executors' cache of decoded shards must not be keyed by
        // them, or the second context's run finds the first one's shards (other images) under the same id. Measured
        // before the fix: a sweep's trials in a test JVM that had run another sweep trained on that sweep's data.
        TrainConfig cfg = config(1);
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        LocalGradientSource src = new LocalGradientSource(LocalGradientSource.Data.of(train, test, 8), cfg, spec.text(), 1);
        Trainer reference = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
        reference.run();
        try {
            SparkTestContext.stop();   // two fresh contexts, one after the other, as a test suite or a notebook makes them
            try (TaskTrainer.SharedData other = TaskTrainer.SharedData.broadcast(SparkTestContext.get(), test, null)) {
                new TaskTrainer(SparkTestContext.get(), other, cfg, spec, null, null).run();
            }
            SparkTestContext.stop();
            try (TaskTrainer.SharedData data = TaskTrainer.SharedData.broadcast(SparkTestContext.get(), train, test)) {
                assertEquals(0, data.blocks.id(), "the first broadcast of a fresh context, as in the earlier one");
                TaskTrainer t = new TaskTrainer(SparkTestContext.get(), data, cfg, spec, null, null);
                t.run();
                assertArrayEquals(reference.params(), t.params(), "parameters trained on this context's data");
            }
        } finally {
            SparkTestContext.stop();
        }
    }

    @Test
    void aListenerEndsTheRunAfterAnEpoch() {
        TrainConfig cfg = config(4);
        Recorder r = new Recorder(2);
        try (TaskTrainer.SharedData data = TaskTrainer.SharedData.broadcast(SparkTestContext.get(), train, test)) {
            TaskTrainer t = new TaskTrainer(SparkTestContext.get(), data, cfg, TrainingFixture.spec(cfg.model()), null, r);
            t.run();
            assertEquals(2, t.epoch());
            assertTrue(t.stoppedEarly());
            assertEquals(2, r.accuracies.size());
            assertEquals(r.accuracies.get(1), t.lastEval().accuracy());
        }
    }

    @Test
    void aDivergingRunFailsOnTheDriverWithTheTrainersError() {
        // reported by the task, not thrown there: Spark would retry it and wrap it in a SparkException
        TrainConfig cfg = config(2).with("lr", 1e30);
        try (TaskTrainer.SharedData data = TaskTrainer.SharedData.broadcast(SparkTestContext.get(), train, null)) {
            TaskTrainer t = new TaskTrainer(SparkTestContext.get(), data, cfg, TrainingFixture.spec(cfg.model()), null, null);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
            assertTrue(e.getMessage().contains("Lower the learning rate (lr = 1") && e.getMessage().contains("step"), e.getMessage());
            assertEquals(0, t.epoch(), "no epoch finished");
        }
    }
}
