package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.kernels.data.TestCifar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --resume} through the command line: the checkpoint's own config is the truth, so a run
 * directory whose config.conf cannot be read (as on hdfs: or s3a:, where it was once read with java.nio
 * and silently replaced by the defaults) continues bitwise as the uninterrupted run, and the metrics
 * file keeps its history.
 */
class ResumeJobTest {

    private static String[] train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", TestCifar.subset(10).toString(), "--out", "file://" + out,
                "--master", "local[2]", "--model", "lenet5", "--epochs", "2", "--batch-size", "25", "--lr", "0.003",
                "--set", "optimizer=AdamW", "--set", "schedule=step", "--set", "schedule.step.epochs=1", "--set", "schedule.gamma=0.5",
                "--set", "augment=true", "--set", "data.shards=4", "--set", "eval.every=0", "--set", "warmup.epochs=0.5"));
        args.addAll(List.of(more));
        return JobsTest.run(args.toArray(new String[0]));
    }

    @Test
    void aResumedRunIsTheUninterruptedRunEvenWithoutItsConfigFile(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full"), resumed = dir.resolve("resumed");
        String[] r = train(full);
        assertEquals("0", r[0], r[2]);

        r = train(resumed, "--set", "max.steps=5", "--set", "checkpoint.every=2");   // 4 steps an epoch: stops in the second
        assertEquals("0", r[0], r[2]);
        List<String> history = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        assertEquals(5 + 1, history.size(), "5 steps and the first epoch");
        Files.delete(resumed.resolve("config.conf"));

        // no training settings: they all come from the checkpoint (adamw, step schedule, lr 0.003, 2 epochs, ...); max.steps
        // counts steps in total, and the first run's 5 would stop this one after one step
        r = JobsTest.run("train", "--data", TestCifar.subset(10).toString(), "--out", "file://" + resumed, "--resume", "--master", "local[2]",
                "--set", "max.steps=0");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("resumed at step 4 (epoch 1)"), r[1]);   // saved at the first epoch's last step, before its close
        assertArrayEquals(params(full), params(resumed), "the resumed run trains the uninterrupted run's parameters");
        String config = Files.readString(resumed.resolve("config.conf"));
        assertTrue(config.contains("(resumed at step 4)") && config.contains("optimizer = adamw") && config.contains("lr = 0.003"), config);

        List<String> after = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        assertEquals(history, after.subList(0, history.size()), "the history is kept as it was");
        // from the checkpoint of step 4: the first epoch's close again, steps 5 (again) to 8, the second epoch
        assertEquals(history.size() + 1 + 4 + 1, after.size(), String.join("\n", after));
    }

    private static float[] params(Path run) throws Exception {
        return ModelFile.fromBytes(Files.readAllBytes(run.resolve("model.scnn")), run.toString(), "model").floats("params");
    }
}
