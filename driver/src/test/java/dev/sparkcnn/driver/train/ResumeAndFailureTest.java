package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
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
    void resumingWithAnotherModelOrBatchIsRefused(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 2);
        TrainingFixture.local(config().with("max.steps", 3), 1, store).run();
        Trainer other = TrainingFixture.local(config().with("model", "lenet5"), 1, store);
        String m = assertThrows(CheckpointException.class, other::resume).getMessage();
        assertTrue(m.contains("another model spec"), m);
        Trainer batch = TrainingFixture.local(config().with("batch.size", 50), 1, store);
        m = assertThrows(CheckpointException.class, batch::resume).getMessage();
        assertTrue(m.contains("batch.size = 25") && m.contains("batch.size = 50"), m);
    }

    @Test
    void divergingRunStopsAtTheStepAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.toString(), new Configuration(), 5);
        TrainConfig cfg = config().with("optimizer", "sgd").with("checkpoint.every", 1);
        TrainingFixture.local(cfg.with("max.steps", 2), 1, store).run();
        Path good = Path.of(new org.apache.hadoop.fs.Path(store.list().get(0).toString()).toUri().getPath());
        byte[] before = Files.readAllBytes(good);

        Trainer exploding = TrainingFixture.local(cfg.with("lr", 1e30), 1, store);
        assertTrue(exploding.resume());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, exploding::run);
        assertTrue(e.getMessage().contains("at step") && e.getMessage().contains("last good checkpoint"), e.getMessage());
        assertTrue(exploding.globalStep() <= 4, "stopped at once, step " + exploding.globalStep());
        assertArrayEquals(before, Files.readAllBytes(good), "the last good checkpoint is untouched");
        for (org.apache.hadoop.fs.Path p : store.list()) {
            // every checkpoint written before the divergence still loads
            dev.sparkcnn.driver.checkpoint.ModelFile.fromBytes(Files.readAllBytes(Path.of(p.toUri().getPath())), p.toString(), "checkpoint");
        }
    }
}
