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
        assertEquals(1 + 5 + 1, history.size(), "the exchange chosen, 5 steps and the first epoch");
        assertTrue(history.get(0).contains("\"type\":\"run\",\"exchange\":\"stream\""), history.get(0));
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
        // from the checkpoint of step 4: the exchange chosen again, the first epoch's close again, steps 5 (again) to 8, the second epoch
        assertEquals(history.size() + 1 + 1 + 4 + 1, after.size(), String.join("\n", after));
    }

    /**
     * The driver process killed (SIGKILL) in the middle of an epoch of the streaming exchange, with its epoch's
     * barrier job running, then {@code --resume}: bitwise the uninterrupted run.
     */
    @Test
    void aDriverKilledMidEpochResumesToTheUninterruptedRun(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full"), killed = dir.resolve("killed");
        String[] r = train(full, "--set", "exchange=stream");
        assertEquals("0", r[0], r[2]);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray()));
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), "dev.sparkcnn.jobs.Cnn", "train", "--data",
                TestCifar.subset(10).toString(), "--out", "file://" + killed, "--master", "local[2]", "--model", "lenet5", "--epochs", "2",
                "--batch-size", "25", "--lr", "0.003", "--set", "optimizer=AdamW", "--set", "schedule=step", "--set",
                "schedule.step.epochs=1", "--set", "schedule.gamma=0.5", "--set", "augment=true", "--set", "data.shards=4", "--set",
                "eval.every=0", "--set", "warmup.epochs=0.5", "--set", "exchange=stream", "--set", "checkpoint.every=1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path metrics = killed.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + 120_000_000_000L;
        // 4 steps an epoch: step 6 is in the middle of the second epoch
        while (!(Files.exists(metrics) && Files.readString(metrics).contains("\"step\":6,")) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertTrue(p.isAlive(), "the driver was still running: " + Files.readString(dir.resolve("killed.log")));
        p.destroyForcibly().waitFor();   // SIGKILL
        assertTrue(!Files.exists(killed.resolve("model.scnn")), "killed before it finished");
        r = JobsTest.run("train", "--data", TestCifar.subset(10).toString(), "--out", "file://" + killed, "--resume", "--master", "local[2]",
                "--set", "exchange=stream");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].matches("(?s).*resumed at step [5-7] \\(epoch 2\\).*"), r[1]);
        assertArrayEquals(params(full), params(killed), "the resumed run trains the uninterrupted run's parameters");
    }

    private static float[] params(Path run) throws Exception {
        return ModelFile.fromBytes(Files.readAllBytes(run.resolve("model.scnn")), run.toString(), "model").floats("params");
    }
}
