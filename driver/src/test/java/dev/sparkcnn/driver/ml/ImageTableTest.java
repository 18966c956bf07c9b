package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.data.DataException;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.driver.data.TableShards;
import dev.sparkcnn.kernels.data.TestImageFolders;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.spec.ModelSpec;
import dev.sparkcnn.kernels.tensor.Shape;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tables of images (a Parquet file written by Spark from the PNG/JPEG folder tree; DataFrames for the
 * ML API) are decoded and sharded in their own partitions, and train as the guarantees say.
 */
class ImageTableTest {

    static final Path TREE = TestImageFolders.build(Path.of("target", "test-data", "folder-3class-10"), 10, true);
    static final StructType SCHEMA = new StructType().add("image", DataTypes.BinaryType).add("label", DataTypes.StringType)
            .add("path", DataTypes.StringType);

    static final String SPEC = String.join("\n", "input 3x32x32", "conv filters=4 size=3 pad=1", "batchnorm", "relu",
            "maxpool size=4", "fc units=3");

    /** The folder tree's train/ images as rows (encoded bytes, class name, path), in path order. */
    static List<Row> rows(String part) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (Stream<Path> s = Files.walk(TREE.resolve(part))) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                rows.add(RowFactory.create(Files.readAllBytes(p), p.getParent().getFileName().toString(), p.toString()));
            }
        }
        return rows;
    }

    static Dataset<Row> parquet(Path dir, String part) throws IOException {
        Path file = dir.resolve(part + ".parquet");
        if (!Files.exists(file)) MlTestData.spark().createDataFrame(rows(part), SCHEMA).coalesce(2).write().parquet(file.toString());
        return MlTestData.spark().read().parquet(file.toString());
    }

    @Test
    void thePermutationIsABijection() {
        for (long n : new long[] {1, 2, 3, 7, 100, 1000, 4097}) {
            Set<Long> seen = new HashSet<>();
            for (long i = 0; i < n; i++) {
                long p = TableShards.permute(i, n, 42);
                assertTrue(p >= 0 && p < n);
                seen.add(p);
            }
            assertEquals(n, seen.size(), "n = " + n);
        }
        long moved = 0;
        for (long i = 0; i < 1000; i++) if (TableShards.permute(i, 1000, 42) != TableShards.permute(i, 1000, 43)) moved++;
        assertTrue(moved > 900, "another seed, another permutation: " + moved);
    }

    @Test
    void aParquetTableTrainsTheSameForAnyPartitioningAndMixesClassesAcrossShards(@TempDir Path tmp) throws IOException {
        ImageTable table = ImageTable.of(parquet(tmp, "train"), "image", "label", new Shape(3, 32, 32), null, 9, false, 1 << 24);
        assertEquals(List.of("airplane", "cat", "ship"), table.classNames());
        long n = table.shards().records();
        assertEquals(30, n);
        TrainConfig cfg = TrainConfig.builder().set("model", SPEC).set("batch.size", 10).set("epochs", 2).set("lr", 0.05)
                .set("seed", 9).set("data.shards", 4).set("augment", true).set("eval.every", 0).build();
        float[][] params = new float[3][];
        int k = 0;
        for (int p : new int[] {1, 2, 2}) {
            try (SparkGradientSource src = SparkGradientSource.fromShards(SparkTestContext.get(), n,
                    (plan, parts) -> table.shards().shards(0, n, plan, parts, "table shards"), null, 0, cfg, SPEC, p,
                    new Shape(3, 32, 32), 3, "the table")) {
                Trainer t = new Trainer(cfg, ModelSpec.parse(SPEC, "spec"), src, src.normalization(), null, null, null);
                t.run();
                params[k++] = t.params().clone();
            }
        }
        assertArrayEquals(params[1], params[2], "2 partitions twice: bitwise");
        double diff = 0, scale = 0;
        for (int i = 0; i < params[0].length; i++) {
            diff = Math.max(diff, Math.abs(params[0][i] - params[1][i]));
            scale = Math.max(scale, Math.abs(params[0][i]));
        }
        assertTrue(diff / scale < 1e-5, "1 vs 2 partitions: " + diff / scale);
        // the shards hold every row once and mix the classes (the table is sorted by class)
        ShardPlan plan = new ShardPlan(n, 4);
        List<Shard> shards = table.shards().shards(0, n, plan, 2, "check").collect();
        int[] perClass = new int[3];
        for (Shard s : shards) {
            Set<Integer> classes = new HashSet<>();
            for (int i = 0; i < s.block.size(); i++) {
                classes.add(s.block.label(i));
                perClass[s.block.label(i)]++;
            }
            assertTrue(classes.size() >= 2, "shard " + s.index + " holds one class");
        }
        assertArrayEquals(new int[] {10, 10, 10}, perClass);
        table.close();
    }

    @Test
    void badRowsAreNamed(@TempDir Path tmp) throws IOException {
        List<Row> rows = new ArrayList<>(rows("train").subList(8, 14));   // two airplanes, four cats
        rows.set(3, RowFactory.create(rows.get(3).get(0), null, "x"));
        Dataset<Row> nullLabel = MlTestData.spark().createDataFrame(rows, SCHEMA).coalesce(1);
        Exception e = assertThrows(RuntimeException.class,
                () -> ImageTable.of(nullLabel, "image", "label", new Shape(3, 32, 32), null, 1, false, 1 << 24));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("label column 'label' is null in row 3 of partition 0"), e.getMessage());

        List<Row> garbage = new ArrayList<>(rows("train").subList(8, 14));
        garbage.set(2, RowFactory.create("no image".getBytes(), "cat", "y"));
        Dataset<Row> bad = MlTestData.spark().createDataFrame(garbage, SCHEMA).coalesce(1);
        Exception unreadable = assertThrows(RuntimeException.class,
                () -> ImageTable.of(bad, "image", "label", new Shape(3, 32, 32), null, 1, false, 1 << 24));
        assertTrue(unreadable instanceof DataException && unreadable.getMessage().contains("row 2 of partition 0, column 'image' is not an image")
                && unreadable.getMessage().contains("data.skip.unreadable"), unreadable.getMessage());
        ImageTable skipping = ImageTable.of(bad, "image", "label", new Shape(3, 32, 32), null, 1, true, 1 << 24);
        assertEquals(5, skipping.shards().records());
        assertEquals(1, skipping.skipped());
        skipping.close();

        Dataset<Row> train = parquet(tmp, "train");
        List<Row> other = new ArrayList<>(rows("test").subList(0, 3));
        other.set(1, RowFactory.create(other.get(1).get(0), "dog", "z"));
        Dataset<Row> test = MlTestData.spark().createDataFrame(other, SCHEMA).coalesce(1);
        Exception unknown = assertThrows(RuntimeException.class, () -> ImageTable.of(test, "image", "label", new Shape(3, 32, 32), null,
                List.of("airplane", "cat", "ship"), 1, false, 1 << 24));
        assertTrue(unknown.getMessage().contains("has class 'dog' in row 1 of partition 0, which the training data does not have"),
                unknown.getMessage());

        List<Row> one = new ArrayList<>(rows("train").subList(0, 4));   // all airplanes
        Exception single = assertThrows(CnnInputException.class, () -> ImageTable.of(MlTestData.spark().createDataFrame(one, SCHEMA),
                "image", "label", new Shape(3, 32, 32), null, 1, false, 1 << 24));
        assertTrue(single.getMessage().contains("has 1 class (airplane): a classifier needs at least two"), single.getMessage());
        assertEquals(30, train.count());
    }

    @Test
    void fitKeepsTheTrainingSetOnTheExecutors() throws Exception {
        // 1000 images of 3x32x32 (3 MB as uint8); everything tasks send to the driver during fit is counted
        dev.sparkcnn.kernels.data.CifarBlock images = MlTestData.train(100);
        Dataset<Row> df = MlTestData.vectors(images);
        AtomicLong resultBytes = new AtomicLong();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) resultBytes.addAndGet(end.taskMetrics().resultSize());
            }
        };
        String tiny = String.join("\n", "input 3x32x32", "conv filters=2 size=3 pad=1", "relu", "maxpool size=8", "fc units=10");
        CnnClassifier c = new CnnClassifier().setModelSpec(tiny).setEpochs(1).setBatchSize(250).setPartitions(2).setSeed(3);
        SparkTestContext.get().sc().addSparkListener(listener);
        CnnClassificationModel m;
        try {
            m = c.fit(df);
            SparkTestContext.get().sc().listenerBus().waitUntilEmpty();
        } finally {
            SparkTestContext.get().sc().removeSparkListener(listener);
        }
        long data = (long) images.size() * 3072;
        System.out.printf("fit on %,d bytes of images: tasks sent %,d bytes of results to the driver%n", data, resultBytes.get());
        assertTrue(resultBytes.get() < data / 4, "the driver received " + resultBytes.get() + " bytes for " + data + " bytes of images");
        assertEquals(10, m.savedModel().network().outputShape().size());
        assertEquals(Arrays.asList(MlTestData.CLASS_NAMES), m.savedModel().classNames());
    }
}
