package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.SparkSetup;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.ml.CnnClassificationModel;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four ways to run a saved model agree on the same 200 CIFAR-10 test images: the evaluate job
 * (distributed, confusion matrix), the predict job (CSV), Spark ML's transform and the in-process
 * Predictor give the same class for every image and the same probabilities (the CSV to its 6
 * decimals), and the evaluate job's confusion matrix is the one their predictions make.
 */
class InferencePathsTest {

    /** A batch-norm + dropout net (evaluation mode matters) with random weights and running statistics. */
    private static SavedModel model(CifarBlock test, Path dir) throws Exception {
        Path specFile = dir.resolve("bn-dropout.model");
        Files.writeString(specFile, "input 3x32x32\nconv filters=8 size=3 pad=1\nbatchnorm\nrelu\nmaxpool size=2\n"
                + "conv filters=8 size=3 pad=1 stride=2 round=floor\nbatchnorm\nrelu\ndropout p=0.3\nfc units=16\nrelu\nfc units=10\n");
        ModelSpec spec = ModelSpec.load(specFile);
        Network net = spec.build();
        float[] state = net.initState();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < state.length; i++) state[i] = (float) (state[i] + 0.3 * r.nextDouble());
        return new SavedModel(spec, Normalization.fromSums(Normalization.sums(test)), net.initParams(21), state);
    }

    @Test
    void evaluatePredictTransformAndPredictorAgreeOnEveryImage(@TempDir Path dir) throws Exception {
        Path data = TestCifar.subset(20);
        CifarBlock test = CifarBlock.read(data.resolve(CifarRecords.TEST_FILE));
        assertEquals(200, test.size());
        SavedModel model = model(test, dir);
        Path modelFile = dir.resolve("model.scnn");
        model.save(modelFile.toString(), new Configuration());

        // 1. in-process Predictor
        float[][] p = new Predictor(model).probabilities(test);
        int[] predicted = new int[test.size()];
        long[][] confusion = new long[10][10];
        for (int i = 0; i < test.size(); i++) {
            predicted[i] = Predictor.argmax(p[i]);
            confusion[test.label(i)][predicted[i]]++;
        }
        assertTrue(java.util.Arrays.stream(predicted).distinct().count() >= 3, "the model predicts several classes: the agreement means something");

        // 2. the predict job's CSV
        Path csv = dir.resolve("predictions.csv");
        String[] r = JobsTest.run("predict", "--model-file", modelFile.toString(), "--input", data.resolve(CifarRecords.TEST_FILE).toString(),
                "--out", csv.toString());
        assertEquals("0", r[0], r[2]);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(201, lines.size());
        for (int i = 0; i < test.size(); i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals("record " + i, f[0]);
            assertEquals(predicted[i], Integer.parseInt(f[1]), "predict job, image " + i);
            for (int k = 0; k < 10; k++) assertEquals(p[i][k], Double.parseDouble(f[3 + k]), 5e-7, "predict job, image " + i + " class " + k);
            assertEquals("label " + test.label(i), f[13]);
        }

        // 3. the evaluate job: the confusion matrix of those predictions
        Path json = dir.resolve("eval.json");
        r = JobsTest.run("evaluate", "--model-file", modelFile.toString(), "--data", data.toString(), "--out", json.toString(),
                "--master", "local[2]", "--partitions", "3");
        assertEquals("0", r[0], r[2]);
        Map<String, Object> eval = Json.parseObject(Files.readString(json).trim());
        assertEquals(200L, ((Number) eval.get("images")).longValue());
        List<?> rows = (List<?>) eval.get("confusion");
        for (int t = 0; t < 10; t++) {
            List<?> row = (List<?>) rows.get(t);
            for (int k = 0; k < 10; k++) assertEquals(confusion[t][k], ((Number) row.get(k)).longValue(), "evaluate job, true " + t + " predicted " + k);
        }

        // 4. Spark ML transform of a DataFrame of the same images
        SparkSession spark = SparkSession.builder().master("local[2]").appName("inference-paths")
                .config(SparkSetup.configure(new org.apache.spark.SparkConf()).set("spark.ui.enabled", "false")
                        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"))
                .getOrCreate();
        try {
            List<Row> input = new ArrayList<>();
            for (int i = 0; i < test.size(); i++) {
                double[] v = new double[3072];
                for (int c = 0; c < 3; c++) for (int q = 0; q < 1024; q++) v[c * 1024 + q] = test.pixel(i, c, q / 32, q % 32);
                input.add(RowFactory.create(i, Vectors.dense(v)));
            }
            StructType schema = new StructType().add("id", DataTypes.IntegerType).add("features", SQLDataTypes.VectorType());
            Dataset<Row> df = spark.createDataFrame(input, schema).repartition(3);
            List<Row> scored = new CnnClassificationModel("cnn", model).transform(df).select("id", "prediction", "probability").collectAsList();
            assertEquals(200, scored.size());
            for (Row row : scored) {
                int i = row.getInt(0);
                assertEquals(predicted[i], (int) row.getDouble(1), "transform, image " + i);
                double[] prob = ((DenseVector) row.get(2)).values();
                for (int k = 0; k < 10; k++) assertEquals(p[i][k], prob[k], 1e-6, "transform, image " + i + " class " + k);
            }
        } finally {
            spark.stop();
        }
    }
}
