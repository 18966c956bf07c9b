package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save and load: the model (alone and in a PipelineModel) and the estimator; a damaged model file is refused. */
class CnnClassificationModelPersistenceTest {

    private static Dataset<Row> df;
    private static PipelineModel pipeline;
    private static CnnClassificationModel model;

    @BeforeAll
    static void fit() {
        CifarBlock train = MlTestData.train(20);
        df = MlTestData.vectors(train);
        CnnClassifier cnn = new CnnClassifier().setModelSpec("lenet5").setOptimizer("adam").setLr(2e-3)
                .setEpochs(2).setBatchSize(50).setPartitions(2).setSeed(3).setProbabilityCol("p");
        pipeline = new Pipeline().setStages(new PipelineStage[] {cnn}).fit(df);
        model = (CnnClassificationModel) pipeline.stages()[0];
    }

    @Test
    void savedAndLoadedModelPredictsExactlyTheSame(@TempDir Path dir) throws IOException {
        String path = dir.resolve("model").toString();
        model.write().overwrite().save(path);
        assertTrue(Files.isRegularFile(dir.resolve("model").resolve(CnnClassificationModel.DATA_FILE)));
        CnnClassificationModel loaded = CnnClassificationModel.load(path);

        assertEquals(model.uid(), loaded.uid());
        assertEquals("p", loaded.getProbabilityCol());
        assertEquals(2e-3, loaded.getLr());
        assertEquals(3L, loaded.getSeed());
        assertEquals("lenet5", loaded.getModelSpec());
        assertArrayEquals(model.savedModel().params(), loaded.savedModel().params());
        assertArrayEquals(model.savedModel().state(), loaded.savedModel().state());
        assertSamePredictions(model.transform(df), loaded.transform(df));
    }

    @Test
    void pipelineModelWithTheClassifierSavesAndLoads(@TempDir Path dir) throws IOException {
        String path = dir.resolve("pipeline").toString();
        pipeline.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        assertInstanceOf(CnnClassificationModel.class, loaded.stages()[0]);
        assertSamePredictions(pipeline.transform(df), loaded.transform(df));
    }

    @Test
    void estimatorSavesAndLoadsItsParams(@TempDir Path dir) throws IOException {
        CnnClassifier cnn = new CnnClassifier().setModelSpec("resnet20").setOptimizer("adamw").setLr(0.01).setEpochs(3)
                .setBatchSize(64).setSeed(9).setPartitions(4).setTrainSettings("augment=false; momentum=0.8").setFeaturesCol("img");
        String path = dir.resolve("estimator").toString();
        cnn.save(path);
        CnnClassifier loaded = CnnClassifier.load(path);
        assertEquals(cnn.uid(), loaded.uid());
        assertEquals(cnn.extractParamMap().toString(), loaded.extractParamMap().toString());
        assertEquals("adamw", loaded.getOptimizer());
        assertEquals("augment=false; momentum=0.8", loaded.getTrainSettings());
    }

    @Test
    void truncatedModelFileIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path saved = dir.resolve("model");
        model.write().save(saved.toString());
        Path file = saved.resolve(CnnClassificationModel.DATA_FILE);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> CnnClassificationModel.load(saved.toString()));
        System.out.println("truncated model: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        Files.delete(file);
        e = assertThrows(CheckpointException.class, () -> CnnClassificationModel.load(saved.toString()));
        System.out.println("missing model file: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
    }

    /** Same rows (by id) with bitwise equal prediction, probability and raw prediction. */
    @Test
    void exportedOnnxModelGivesTheProbabilityColumn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out").resolve("model.onnx");
        model.exportOnnx(file.toString());
        List<Row> rows = model.transform(df).orderBy("id").select("features", "p", "prediction").collectAsList();
        float[] pixels = new float[rows.size() * 3072];
        for (int i = 0; i < rows.size(); i++) {
            double[] f = ((Vector) rows.get(i).getAs(0)).toArray();
            for (int j = 0; j < f.length; j++) pixels[i * 3072 + j] = (float) f[j];
        }
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession session = env.createSession(file.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(pixels),
                     new long[] {rows.size(), 3, 32, 32});
             ai.onnxruntime.OrtSession.Result result = session.run(java.util.Map.of("pixels", input))) {
            float[][] p = (float[][]) result.get(0).getValue();
            assertEquals(rows.size(), p.length);
            for (int i = 0; i < rows.size(); i++) {
                double[] expected = ((Vector) rows.get(i).getAs(1)).toArray();
                for (int j = 0; j < expected.length; j++) assertEquals(expected[j], p[i][j], 1e-4, "row " + i + " class " + j);
                assertEquals(rows.get(i).getDouble(2), dev.sparkcnn.driver.model.Predictor.argmax(p[i]), "row " + i);
            }
        }
    }

    private static void assertSamePredictions(Dataset<Row> a, Dataset<Row> b) {
        List<Row> x = a.orderBy("id").select("id", "prediction", "p", "rawPrediction").collectAsList();
        List<Row> y = b.orderBy("id").select("id", "prediction", "p", "rawPrediction").collectAsList();
        assertEquals(df.count(), x.size());
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
            assertEquals(x.get(i).getInt(0), y.get(i).getInt(0));
            assertEquals(x.get(i).getDouble(1), y.get(i).getDouble(1));
            assertArrayEquals(((Vector) x.get(i).getAs(2)).toArray(), ((Vector) y.get(i).getAs(2)).toArray());
            assertArrayEquals(((Vector) x.get(i).getAs(3)).toArray(), ((Vector) y.get(i).getAs(3)).toArray());
        }
    }
}
