package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small sweeps through the command line in local[2] on 200 real CIFAR-10 images: results of every
 * trial, ASHA stopping a trial that learns nothing, a failing trial that does not stop the sweep, the
 * validation split, and restarts.
 */
class SweepRunTest {

    private static Path data;

    @BeforeAll
    static void data() {
        data = TestCifar.subset(20);
    }

    /** Runs {@code cnn ARGS} in-process: {exit code, stdout, stderr}. */
    static String[] run(String... args) {
        return dev.sparkcnn.jobs.JobsTest.run(args);
    }

    private static String[] sweep(Path file, Path out, String... more) {
        String[] base = {"sweep", "--sweep", file.toString(), "--data", data.toString(), "--out", out.toString(), "--master", "local[2]"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    private static final String COMMON = String.join("\n",
            "set.model = lenet5",
            "set.optimizer = adam",
            "set.schedule = constant",
            "set.data.shards = 4",
            "validation.fraction = 0.25",
            "");

    @Test
    void smallSweepWritesAllResultsAndAshaStopsAHopelessTrial(@TempDir Path dir) throws Exception {
        // lr = 1e-7 learns nothing: trials 3 and 4 reach the rung at epoch 1 after trials 1 and 2 (which run
        // first, two at a time) and must beat them to continue
        Path file = dir.resolve("small.sweep");
        Files.writeString(file, COMMON + String.join("\n",
                "search = grid",
                "trials.parallel = 2",
                "epochs = 3",
                "asha.min.epochs = 1",
                "asha.reduction = 3",
                "space.lr = grid(0.003, 1e-7)",
                "space.batch.size = grid(16, 32)",
                ""));
        Path out = dir.resolve("out");
        long t0 = System.nanoTime();
        String[] r = sweep(file, out);
        System.out.printf("small sweep: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("150 images for training, 50 for validation"), r[1]);
        assertTrue(r[1].contains("trials.placement = auto: task (4 trials left, 2 cores)"), r[1]);
        assertTrue(r[1].contains("running 4, 2 at a time in single tasks"), r[1]);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("trial,lr,batch.size,epochs,best_validation_accuracy,best_epoch,final_validation_accuracy,wall_seconds,stop_reason",
                csv.get(0));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertTrue(csv.stream().anyMatch(l -> l.endsWith(",asha: rung 0")), "ASHA stopped a trial:\n" + String.join("\n", csv));
        assertTrue(csv.stream().anyMatch(l -> l.endsWith(",completed")), String.join("\n", csv));
        for (String l : csv.subList(1, 5)) {
            String[] f = l.split(",");
            int epochs = Integer.parseInt(f[3]);
            assertEquals(l.endsWith("completed") ? 3 : 1, epochs, l);
        }

        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve("results.json")).trim());
        assertEquals(4, ((List<?>) json.get("trials")).size());
        Object bestTrial = json.get("best_trial");
        assertTrue(bestTrial instanceof Number, "a best trial: " + json);
        for (int id = 1; id <= 4; id++) {
            Path t = out.resolve("trials").resolve(String.format("trial-%03d", id));
            for (String f : List.of("config.conf", "metrics.jsonl", "result.json", "model.scnn")) {
                assertTrue(Files.exists(t.resolve(f)), t.resolve(f) + " written");
            }
        }
        String best = Files.readString(out.resolve("best.conf"));
        assertTrue(best.startsWith("# best trial") && best.contains("model = lenet5") && best.contains("eval.every = 1"), best);
        assertTrue(Files.size(out.resolve("best-model.scnn")) > 62_006 * 4, "best model saved");
        String html = Files.readString(out.resolve("sweep.html"));
        assertTrue(html.contains("validation accuracy vs lr") && html.contains("validation accuracy per epoch")
                && html.contains("class=\"point\"") && html.contains("asha: rung 0"), "report sections");
        assertTrue(!html.contains("<script") && !html.contains("src="), "self-contained");
    }

    @Test
    void trialsInSingleTasksTrainExactlyTheModelsOfOnePartitionTrials(@TempDir Path dir) throws Exception {
        // two at a time on local[2]: placement cluster gives each trial 1 partition, the run placement task makes in one task
        Path file = dir.resolve("placement.sweep");
        Files.writeString(file, COMMON + String.join("\n",
                "search = grid",
                "trials.parallel = 2",
                "epochs = 2",
                "asha = false",
                "set.augment = true",
                "space.lr = grid(0.003, 0.001)",
                ""));
        String[] task = sweep(file, dir.resolve("task"), "--trials-placement", "task");
        assertEquals("0", task[0], task[2]);
        assertTrue(task[1].contains("2 at a time in single tasks") && task[1].contains("trial-001 started in single tasks"), task[1]);
        String[] cluster = sweep(file, dir.resolve("cluster"), "--trials-placement", "cluster");
        assertEquals("0", cluster[0], cluster[2]);
        assertTrue(cluster[1].contains("2 at a time on 1 partition each"), cluster[1]);
        for (int id = 1; id <= 2; id++) {
            String t = String.format("trials/trial-%03d/", id);
            assertArrayEquals(Files.readAllBytes(dir.resolve("cluster").resolve(t + "model.scnn")),
                    Files.readAllBytes(dir.resolve("task").resolve(t + "model.scnn")), t + "model.scnn");
            List<String> a = Files.readAllLines(dir.resolve("cluster").resolve(t + "metrics.jsonl"));
            List<String> b = Files.readAllLines(dir.resolve("task").resolve(t + "metrics.jsonl"));
            assertEquals(a.size(), b.size(), t + "metrics.jsonl records");
            for (int i = 0; i < a.size(); i++) {
                Map<String, Object> x = Json.parseObject(a.get(i)), y = Json.parseObject(b.get(i));
                for (String k : List.of("type", "step", "epoch", "loss", "accuracy", "lr", "test_loss", "test_accuracy")) {
                    assertEquals(x.get(k), y.get(k), t + "metrics.jsonl line " + (i + 1) + ": " + k);
                }
            }
        }
        String[] bad = sweep(file, dir.resolve("bad"), "--trials-placement", "gpu");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--trials-placement") && bad[2].contains("gpu") && bad[2].contains("task, cluster, auto"), bad[2]);
        bad = sweep(file, dir.resolve("bad"), "--trials-in-parallel", "0");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--trials-in-parallel 0: expected a positive number or auto"), bad[2]);
    }

    @Test
    void validationSplitIsSeededSizedAndDisjoint() throws Exception {
        Configuration conf = new Configuration();
        CifarFiles files = Sweep.trainingFiles(data.toString(), conf);
        CifarBlock all = Sweep.readAll(files, conf);
        assertEquals(200, all.size());
        ValidationSplit s = ValidationSplit.of(all, 0.1, 5, 4);
        assertEquals(20, s.validation().size());
        assertEquals(180, s.train().size());
        Set<Integer> seen = new HashSet<>();
        for (int i : s.validationIndices()) seen.add(i);
        for (int i : s.trainIndices()) assertTrue(seen.add(i), "image " + i + " is in both parts");
        assertEquals(200, seen.size(), "every image is in one part");
        // the parts hold the images the indices say, in that order
        for (int k = 0; k < s.validation().size(); k += 7) {
            int i = s.validationIndices()[k];
            assertEquals(all.label(i), s.validation().label(k));
            assertEquals(all.pixel(i, 2, 31, 17), s.validation().pixel(k, 2, 31, 17));
        }
        assertArrayEquals(s.validationIndices(), ValidationSplit.of(all, 0.1, 5, 4).validationIndices(), "seeded");
        assertTrue(!Arrays.equals(s.validationIndices(), ValidationSplit.of(all, 0.1, 6, 4).validationIndices()), "another seed");
        SweepException e = org.junit.jupiter.api.Assertions.assertThrows(SweepException.class, () -> ValidationSplit.of(all, 0.999, 5, 4));
        assertTrue(e.getMessage().contains("validation.fraction"), e.getMessage());
    }

    @Test
    void restartKeepsFinishedTrialsRunsMissingOnesAndRefusesAChangedFile(@TempDir Path dir) throws Exception {
        // a spec whose shapes do not fit: its trials fail, the others go on
        Path bad = dir.resolve("too-big-kernel.model");
        Files.writeString(bad, "input 3x32x32\nconv filters=4 size=40\nrelu\nfc units=10\nloss softmax\n");
        Path file = dir.resolve("restart.sweep");
        String text = COMMON.replace("set.model = lenet5\n", "") + String.join("\n",
                "search = grid",
                "trials.parallel = 2",
                "epochs = 1",
                "asha = false",
                "set.batch.size = 32",
                "space.model = choice(lenet5, " + bad + ")",
                "space.lr = grid(0.001, 0.003)",
                "");
        Files.writeString(file, text);
        Path out = dir.resolve("out");
        String[] r = sweep(file, out);
        assertEquals("0", r[0], r[2]);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertEquals(2, csv.stream().filter(l -> l.contains("failed: ") && l.contains("too-big-kernel.model")).count(), String.join("\n", csv));
        assertEquals(2, csv.stream().filter(l -> l.endsWith(",completed")).count(), String.join("\n", csv));

        // "stop" the sweep: trial 1 never finished
        Path trials = out.resolve("trials");
        Files.delete(trials.resolve("trial-001/result.json"));
        FileTime[] before = new FileTime[5];
        for (int id = 2; id <= 4; id++) before[id] = Files.getLastModifiedTime(trials.resolve(String.format("trial-%03d/result.json", id)));
        Thread.sleep(20);
        r = sweep(file, out);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("4 trials, 3 done, running 1"), r[1]);
        assertTrue(r[1].contains("trial-001 started") && !r[1].contains("trial-002 started") && !r[1].contains("trial-003 started"), r[1]);
        for (int id = 2; id <= 4; id++) {
            assertEquals(before[id], Files.getLastModifiedTime(trials.resolve(String.format("trial-%03d/result.json", id))), "trial " + id + " kept");
        }
        assertTrue(Files.exists(trials.resolve("trial-001/result.json")), "trial 1 run again");
        assertEquals(5, Files.readAllLines(out.resolve("results.csv")).size());

        // everything finished: nothing runs, no Spark needed
        r = sweep(file, out);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("every trial") && !r[1].contains("started"), r[1]);

        // another sweep file in the same directory is refused, saying what changed
        Files.writeString(file, text.replace("grid(0.001, 0.003)", "grid(0.001, 0.01)"));
        r = sweep(file, out);
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("holds another sweep") && r[2].contains("plan.txt line") && r[2].contains("new --out"), r[2]);

        // and a bad line through the command line names file and line
        Files.writeString(file, text + "space.momentum = uniform(0.9)\n");
        r = sweep(file, out);
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("restart.sweep:" + (text.split("\n").length + 1)) && r[2].contains("space.momentum"), r[2]);
    }
}
