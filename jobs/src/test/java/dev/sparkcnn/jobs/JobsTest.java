package dev.sparkcnn.jobs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.TestCifar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: help, refused flags with exit codes, and a small train -> evaluate -> predict run. */
public class JobsTest {

    private static Path data;

    @BeforeAll
    static void data() {
        data = TestCifar.subset(10);
    }

    /** Runs a job in-process and returns {exit code, stdout, stderr}. */
    public static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Cnn.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String[] r = {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        out.println("cnn " + String.join(" ", args) + " -> " + code + "\n" + r[1] + r[2]);
        return r;
    }

    @Test
    void helpOfEveryJob() {
        for (String job : List.of("train", "evaluate", "predict", "export", "summary", "sweep")) {
            String[] r = run(job, "--help");
            assertEquals("0", r[0], job);
            assertTrue(r[1].contains("Usage: cnn " + job), r[1]);
        }
        String[] r = run("train", "--help");
        for (String flag : List.of("--data", "--out", "--model", "--epochs", "--batch-size", "--lr", "--partitions", "--seed",
                "--resume", "--set", "--master", "--conf")) {
            assertTrue(r[1].contains(flag), "train --help lists " + flag);
        }
    }

    @Test
    void badFlagsAndValuesAreRefusedByName(@TempDir Path out) {
        String[] r = run("train", "--data", data.toString(), "--out", out.toString(), "--epoch", "3");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--epoch"), r[2]);
        r = run("train", "--out", out.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--data"), r[2]);
        r = run("train", "--data", data.toString(), "--out", out.toString(), "--epochs", "many");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("many") && r[2].contains("--epochs"), r[2]);
        r = run("train", "--data", data.toString(), "--out", out.toString(), "--set", "learning.rate=0.1");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--set learning.rate=0.1") && r[2].contains("unknown key 'learning.rate'"), r[2]);
        r = run("train", "--data", data.toString(), "--out", out.toString(), "--set", "lr=-1");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("lr = -1") && r[2].contains("must be > 0"), r[2]);
        r = run("train", "--data", out.resolve("missing").toString(), "--out", out.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("missing") && r[2].contains("does not exist"), r[2]);
        r = run("summary", "--model", "no-such-model");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no-such-model"), r[2]);
        r = run("frobnicate");
        assertEquals("2", r[0]);
    }

    @Test
    void badConfigFileNamesFileLineAndKey(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "# comment\nepochs = 2\nmomentum = 1.5\n");
        String[] r = run("train", "--config", conf.toString(), "--data", data.toString(), "--out", dir.resolve("run").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("bad.conf:3") && r[2].contains("momentum = 1.5") && r[2].contains("[0, 1)"), r[2]);
    }

    @Test
    void summaryPrintsTheLayerTable() {
        String[] r = run("summary", "--model", "lenet5");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("total parameters: 62,006"), r[1]);
        assertTrue(r[1].contains("6x28x28"), r[1]);
    }

    @Test
    void trainEvaluatePredictOnASmallRealSubset(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Supplier<String[]> train = () -> run("train", "--config", "../conf/train/quick-test.conf", "--data", data.toString(),
                "--out", run.toString(), "--master", "local[2]", "--set", "checkpoint.every=3");
        String[] r = train.get();
        assertEquals("0", r[0], r[2]);
        for (String f : List.of("config.conf", "metrics.jsonl", "model.scnn", "summary.json", "report.html")) {
            assertTrue(Files.exists(run.resolve(f)), f + " written");
        }
        String report = Files.readString(run.resolve("report.html"));
        assertTrue(report.contains("<svg") && report.contains("data:image/png;base64"), "report has charts and images");
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"type\":\"epoch\"") && l.contains("test_accuracy")), "epoch records");
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"ms_compute\"")), "per-phase times");
        assertTrue(r[1].contains("accuracy"), r[1]);

        // the same run directory again without --resume is refused, so nothing is overwritten
        r = train.get();
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--resume"), r[2]);

        Path json = dir.resolve("eval.json");
        r = run("evaluate", "--model-file", run.toString(), "--data", data.toString(), "--out", json.toString(), "--master", "local[2]");
        assertEquals("0", r[0], r[2]);
        String e = Files.readString(json);
        assertTrue(e.contains("\"images\":100") && e.contains("\"confusion\"") && e.contains("\"per_class_accuracy\""), e);

        Path csv = dir.resolve("pred.csv");
        r = run("predict", "--model-file", run.resolve("model.scnn").toString(), "--input", data.resolve("test_batch.bin").toString(),
                "--out", csv.toString());
        assertEquals("0", r[0], r[2]);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(101, lines.size());
        assertTrue(lines.get(0).startsWith("source,predicted,class,p_airplane"), lines.get(0));

        // the same model as ONNX: ONNX Runtime gives the CSV's probabilities (6 decimals) and classes
        Path onnx = dir.resolve("export").resolve("model.onnx");
        r = run("export", "--model-file", run.toString(), "--out", onnx.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("wrote " + onnx) && r[1].contains("opset 20") && r[1].contains("[N, 10]"), r[1]);
        CifarBlock images100 = CifarBlock.read(data.resolve("test_batch.bin"));
        float[] pixels = new float[images100.size() * 3072];
        for (int i = 0; i < images100.size(); i++) {
            for (int j = 0; j < 3072; j++) pixels[i * 3072 + j] = images100.pixel(i, j / 1024, (j % 1024) / 32, j % 32);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {images100.size(), 3, 32, 32});
             OrtSession.Result result = session.run(Map.of("pixels", input))) {
            float[][] p = (float[][]) result.get(0).getValue();
            for (int i = 0; i < p.length; i++) {
                String[] cells = lines.get(i + 1).split(",");
                int best = 0;
                for (int j = 0; j < 10; j++) {
                    assertEquals(Double.parseDouble(cells[3 + j]), p[i][j], 1e-4, "image " + i + " class " + j);
                    if (p[i][j] > p[i][best]) best = j;
                }
                assertEquals(cells[1], String.valueOf(best), "image " + i);
            }
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertTrue(Files.readString(run.resolve("config.conf")).endsWith(meta.get("training_config")), "the run's config");
        }
        r = run("export", "--model-file", dir.resolve("nothing.scnn").toString(), "--out", onnx.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("nothing.scnn"), r[2]);

        // a folder of images of another size: resized, and the CSV says so
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(50, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(img, "png", images.resolve("dark.png").toFile());
        r = run("predict", "--model-file", run.toString(), "--input", images.toString(), "--out", csv.toString());
        assertEquals("0", r[0], r[2]);
        lines = Files.readAllLines(csv);
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("dark.png,") && lines.get(1).endsWith("resized from 50x40"), lines.get(1));

        // a corrupt model file is refused with its name
        Path bad = dir.resolve("bad.scnn");
        Files.write(bad, java.util.Arrays.copyOf(Files.readAllBytes(run.resolve("model.scnn")), 100));
        r = run("predict", "--model-file", bad.toString(), "--input", images.toString(), "--out", csv.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("bad.scnn"), r[2]);
    }
}
