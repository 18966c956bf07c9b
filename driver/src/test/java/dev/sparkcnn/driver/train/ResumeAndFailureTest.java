package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint and resume continue a run exactly; a diverging or mismatched run never damages a checkpoint. */
class ResumeAndFailureTest {

    private static TrainConfig config() {
        return TrainConfig.builder().set("model", TrainingFixture.BN_DROPOUT).set("batch.size", 25).set("epochs", 3)
                .set("lr", 0.05).set("seed", 5).set("data.shards", 4).set("augment", true).set("optimizer", "adamw")
                .set("lr", 0.003).set("checkpoint.every", 3).set("eval.every", 0).build();
    }

    @Test
    void stoppedAndResumedRunEqualsAnUninterruptedRunBitwise(@TempDir Path dir) {
        TrainConfig cfg = config();   // 4 steps per epoch, 3 epochs: 12 steps
        Trainer full = TrainingFixture.spark(cfg, 2, null);
        full.run();

        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        Trainer first = TrainingFixture.spark(cfg.with("max.steps", 6), 2, store);
        first.run();
        assertEquals(6, first.globalStep());
        Trainer resumed = TrainingFixture.spark(cfg, 2, store);
        assertTrue(resumed.resume());
        assertEquals(6, resumed.globalStep());
        resumed.run();
        assertEquals(12, resumed.globalStep());
        assertArrayEquals(full.params(), resumed.params());
        assertArrayEquals(full.state(), resumed.state());
    }

    @Test
    void resumingWithAnyTrainingSettingChangedIsRefused(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        TrainingFixture.local(config().with("max.steps", 3), 1, store).run();
        Trainer other = TrainingFixture.local(config().with("model", "lenet5"), 1, store);
        String m = assertThrows(CheckpointException.class, other::resume).getMessage();
        assertTrue(m.contains("another model spec"), m);
        Trainer batch = TrainingFixture.local(config().with("batch.size", 50), 1, store);
        m = assertThrows(CheckpointException.class, batch::resume).getMessage();
        assertTrue(m.contains("batch.size = 25") && m.contains("batch.size = 50"), m);
        // once only 7 keys were compared: these resumed silently with other hyperparameters
        for (String[] kv : new String[][] {{"lr", "0.01"}, {"epochs", "5"}, {"schedule", "constant"}, {"momentum", "0.5"},
                {"weight.decay", "0"}, {"warmup.epochs", "0"}, {"bn.momentum", "0.5"}}) {
            Trainer t = TrainingFixture.local(config().with(kv[0], kv[1]), 1, store);
            m = assertThrows(CheckpointException.class, t::resume).getMessage();
            assertTrue(m.contains("has " + kv[0] + " = " + config().get(kv[0])) && m.contains("this run has " + kv[0] + " = " + kv[1]), m);
        }
        // how the run executes may change
        Trainer more = TrainingFixture.local(config().with("checkpoint.every", 1).with("partitions", 2).with("max.steps", 4), 1, store);
        assertTrue(more.resume());
        assertEquals(3, more.globalStep());
    }

    @Test
    void aCheckpointThatCannotBeAModelIsRefusedBeforeAnythingChanges(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        Trainer first = TrainingFixture.local(config().with("max.steps", 3), 1, store);
        first.run();
        ModelFile ck = store.latest();
        Trainer t = TrainingFixture.local(config(), 1, store);
        float[] before = t.params().clone();
        // a count of optimizer arrays far beyond the file (once allocated before anything was checked)
        String m = assertThrows(CheckpointException.class,
                () -> t.restore(copy(ck).longs("optimizer.arrays", Integer.MAX_VALUE), "forged.scnn")).getMessage();
        assertTrue(m.contains("forged.scnn") && m.contains("2147483647 optimizer arrays") && m.contains("adamw optimizer keeps 2"), m);
        float[] exploded = ck.floats("params").clone();
        exploded[7] = 3e29f;
        m = assertThrows(CheckpointException.class, () -> t.restore(copy(ck).floats("params", exploded), "exploded.scnn")).getMessage();
        assertTrue(m.contains("exploded.scnn") && m.contains("parameter 7 (layer 0 (conv2d)) = 3.0E29") && m.contains("diverged"), m);
        m = assertThrows(CheckpointException.class, () -> t.restore(copy(ck).longs("progress", 3, 0, 99, 3), "p.scnn")).getMessage();
        assertTrue(m.contains("p.scnn") && m.contains("progress"), m);
        assertArrayEquals(before, t.params(), "a refused checkpoint changed nothing");
        assertEquals(0, t.globalStep());
    }

    private static ModelFile copy(ModelFile ck) {
        return ModelFile.fromBytes(ck.toBytes(), "copy", "checkpoint");
    }

    @Test
    void divergingRunStopsBeforeAnyCheckpointHoldsExplodedParameters(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 5);
        TrainConfig cfg = config().with("optimizer", "sgd").with("checkpoint.every", 1);
        Trainer good = TrainingFixture.local(cfg.with("max.steps", 2), 1, store);
        good.run();
        float[] goodParams = good.params().clone(), goodState = good.state().clone();
        assertEquals(2, store.list().size());

        // the same run from step 2 on, but with lr 1e30: the first update makes parameters of ~1e28, still finite
        TrainConfig huge = cfg.with("lr", 1e30);
        Trainer exploding = TrainingFixture.local(huge, 1, store);
        exploding.restore(copy(store.latest()).text("config", huge.toText()), "the good checkpoint with lr = 1e30");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, exploding::run);
        assertTrue(e.getMessage().contains("after the update of step 2") && e.getMessage().contains("last good checkpoint"), e.getMessage());

        // the checkpoint a resume would take is the last good one, value for value; no checkpoint holds exploded values
        assertEquals("ckpt-00000002.scnn", store.newest().getName(), "no checkpoint was written after the good ones");
        ModelFile kept = store.latest();
        assertArrayEquals(goodParams, kept.floats("params"), "the kept checkpoint holds the good run's parameters");
        assertArrayEquals(goodState, kept.floats("state"), "and its batch-norm statistics");
        for (org.apache.hadoop.fs.Path p : store.list()) {
            ModelFile f = ModelFile.fromBytes(Files.readAllBytes(Path.of(p.toUri().getPath())), p.toString(), "checkpoint");
            for (float v : f.floats("params")) assertTrue(Math.abs(v) < 100, p + " holds parameter " + v);
            for (float v : f.floats("state")) assertTrue(Math.abs(v) < 100, p + " holds statistic " + v);
        }
    }

    @Test
    void unusableMeansNotFiniteOrBeyondTheSquareRootOfTheLargestFloat() {
        assertEquals(-1, Trainer.firstUnusable(new float[] {0, -1.8e19f, 1.8e19f, Float.MIN_VALUE}));
        assertEquals(1, Trainer.firstUnusable(new float[] {0, Float.NaN, 1}));
        assertEquals(2, Trainer.firstUnusable(new float[] {0, 1, Float.NEGATIVE_INFINITY}));
        assertEquals(0, Trainer.firstUnusable(new float[] {-1.9e19f}));
        float l = Trainer.LARGEST_USABLE, above = Math.nextUp(l);
        assertTrue(Float.isFinite(l * l) && Float.isInfinite(above * above), "the largest float whose square is finite: " + l);
        // lr 3e38 makes infinite and huge parameters in the first update: stopped there
        Trainer t = TrainingFixture.local(config().with("optimizer", "sgd").with("lr", 3e38), 1, null);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
        assertTrue(e.getMessage().contains("after the update of step 0") && e.getMessage().contains("(layer 0 (conv2d))"), e.getMessage());
    }
}
