package dev.sparkcnn.jobs;

import dev.sparkcnn.kernels.data.TestImageFolders;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.model.SavedModel;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Your own images through the command line: train on a folder tree (PNG and JPEG, some 64x64, some
 * grey) with a 64x64 model, then evaluate and predict; class names in every output; a sweep on the
 * folder; a Parquet table written by Spark.
 */
class ImagesJobTest {

    static final Path TREE = TestImageFolders.build(Path.of("target", "test-data", "folder-3class-10"), 10, true);

    static final String SPEC = String.join("\n", "input 3x64x64", "conv filters=4 size=3 pad=1 stride=2 round=floor", "relu",
            "maxpool size=4", "fc units=3");

    static Path spec(Path dir) throws IOException {
        Path f = dir.resolve("tiny64.model");
        Files.writeString(f, SPEC + "\n");
        return f;
    }

    @SuppressWarnings("unchecked")
    @Test
    void trainEvaluatePredictOnAFolderTreeNameTheClasses(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        String[] r = JobsTest.run("train", "--data", TREE.toString(), "--model", spec(tmp).toString(), "--epochs", "1",
                "--batch-size", "10", "--out", run.toString(), "--master", "local[2]", "--set", "data.shards=2");
        assertEquals("0", r[0], r[2]);
        Map<String, Object> summary = Json.parseObject(Files.readString(run.resolve("summary.json")).trim());
        assertEquals(List.of("airplane", "cat", "ship"), summary.get("classes"));
        assertEquals("folder", summary.get("data_format"));
        assertEquals("3x64x64", summary.get("input"));
        assertTrue(r[1].contains("airplane") && r[1].contains("ship"), "the per-class table names the classes: " + r[1]);
        SavedModel model = SavedModel.load(run.toString(), new Configuration());
        assertEquals(List.of("airplane", "cat", "ship"), model.classNames());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains(">ship<") || html.contains(">ship </") || html.contains("ship"), "the report names the classes");

        Path eval = tmp.resolve("eval.json");
        r = JobsTest.run("evaluate", "--model-file", run.toString(), "--data", TREE.toString(), "--out", eval.toString(),
                "--master", "local[2]");
        assertEquals("0", r[0], r[2]);
        Map<String, Object> e = Json.parseObject(Files.readString(eval).trim());
        assertEquals(List.of("airplane", "cat", "ship"), e.get("classes"));
        assertEquals(30, ((Number) e.get("images")).intValue(), "the test/ folder");
        assertTrue(r[1].contains("cat "), r[1]);

        Path csv = tmp.resolve("cats.csv");
        r = JobsTest.run("predict", "--model-file", run.toString(), "--input", TREE.resolve("test/cat").toString(), "--out", csv.toString());
        assertEquals("0", r[0], r[2]);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("source,predicted,class,p_airplane,p_cat,p_ship,note", lines.get(0));
        assertEquals(11, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals(List.of("airplane", "cat", "ship").get(Integer.parseInt(f[1])), f[2], line);
        }
        assertTrue(lines.get(1).endsWith(",") || lines.get(1).contains("resized from 32x32"), "0000.png is 64x64, as the model: " + lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.contains("resized from 32x32")), "the 32x32 images are resized and the CSV says so");
    }

    @Test
    void aSweepRunsOnAFolderTree(@TempDir Path tmp) throws IOException {
        Path sweep = tmp.resolve("folder.sweep");
        Path base = tmp.resolve("base.conf");
        Files.writeString(base, "model = " + spec(tmp) + "\nbatch.size = 10\ndata.shards = 2\n");
        Files.writeString(sweep, String.join("\n", "base = " + base, "search = grid", "seed = 1", "trials.placement = task",
                "validation.fraction = 0.2", "epochs = 1", "space.lr = grid(0.01, 0.05)", ""));
        String[] r = JobsTest.run("sweep", "--sweep", sweep.toString(), "--data", TREE.toString(), "--out", tmp.resolve("sw").toString(),
                "--master", "local[2]");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("24 images for training, 6 for validation"), r[1]);
        assertEquals(3, Files.readAllLines(tmp.resolve("sw/results.csv")).size(), "a header and two trials");
        assertEquals(List.of("airplane", "cat", "ship"),
                SavedModel.load(tmp.resolve("sw/best-model.scnn").toString(), new Configuration()).classNames());
    }

    @SuppressWarnings("unchecked")
    @Test
    void aParquetTableTrainsWithStringLabels(@TempDir Path tmp) throws IOException {
        Path table = tmp.resolve("images.parquet");
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]")
                .appName("write-parquet").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<org.apache.spark.sql.Row> rows = new java.util.ArrayList<>();
            try (var s = Files.walk(TREE.resolve("train"))) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    rows.add(org.apache.spark.sql.RowFactory.create(Files.readAllBytes(p), p.getParent().getFileName().toString()));
                }
            }
            org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                    .add("png", org.apache.spark.sql.types.DataTypes.BinaryType).add("kind", org.apache.spark.sql.types.DataTypes.StringType);
            spark.createDataFrame(rows, schema).write().parquet(table.toString());
        } finally {
            spark.stop();
        }
        Path run = tmp.resolve("run");
        String[] r = JobsTest.run("train", "--data", table.toString(), "--model", spec(tmp).toString(), "--epochs", "1",
                "--batch-size", "10", "--out", run.toString(), "--master", "local[2]", "--set", "data.shards=2",
                "--set", "data.image.column=png", "--set", "data.label.column=kind", "--set", "validation.fraction=0.2");
        assertEquals("0", r[0], r[2]);
        Map<String, Object> summary = Json.parseObject(Files.readString(run.resolve("summary.json")).trim());
        assertEquals(List.of("airplane", "cat", "ship"), summary.get("classes"));
        assertEquals("parquet", summary.get("data_format"));
        assertTrue(r[1].contains("24 rows, 3 classes") && r[1].contains("test: 6 rows"), r[1]);
    }
}
