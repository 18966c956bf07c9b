package dev.sparkcnn.driver.ml;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier as one stage of a Pipeline, on 200 real CIFAR-10 images given as Vectors. */
class CnnClassifierPipelineTest {

    @Test
    void pipelineFitsAndTransformAddsPredictionProbabilityAndRawPrediction() {
        CifarBlock train = MlTestData.train(20);
        Dataset<Row> df = MlTestData.vectors(train).drop("label");
        // labels come from a string column through another stage, as in a real pipeline
        StringIndexer indexer = new StringIndexer().setInputCol("className").setOutputCol("label");
        CnnClassifier cnn = new CnnClassifier().setModelSpec("lenet5").setOptimizer("adam").setLr(2e-3)
                .setEpochs(6).setBatchSize(32).setPartitions(2);
        long t0 = System.nanoTime();
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {indexer, cnn}).fit(df);
        long t1 = System.nanoTime();
        Dataset<Row> out = model.transform(df);
        StructType schema = out.schema();
        assertEquals(DataTypes.DoubleType, schema.apply("prediction").dataType());
        assertEquals(SQLDataTypes.VectorType(), schema.apply("probability").dataType());
        assertEquals(SQLDataTypes.VectorType(), schema.apply("rawPrediction").dataType());
        List<Row> rows = out.select("id", "label", "prediction", "probability", "rawPrediction").collectAsList();
        long t2 = System.nanoTime();
        assertEquals(train.size(), rows.size());

        int correct = 0;
        for (Row r : rows) {
            double prediction = r.getDouble(2);
            Vector p = r.getAs(3), raw = r.getAs(4);
            assertEquals(10, p.size());
            assertEquals(10, raw.size());
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                assertTrue(p.apply(k) >= 0 && p.apply(k) <= 1, "probability " + p);
                sum += p.apply(k);
            }
            assertEquals(1.0, sum, 1e-9, "probabilities of row " + r.getInt(0) + " sum to " + sum);
            assertEquals(p.argmax(), (int) prediction, "prediction is the most probable class in row " + r.getInt(0));
            assertEquals(raw.argmax(), (int) prediction, "prediction is the largest logit in row " + r.getInt(0));
            // probability is the softmax of rawPrediction: p_k / p_0 = exp(z_k - z_0)
            for (int k = 1; k < 10; k++) {
                assertEquals(raw.apply(k) - raw.apply(0), Math.log(p.apply(k) / p.apply(0)), 1e-6);
            }
            if (prediction == r.getDouble(1)) correct++;
        }
        double accuracy = (double) correct / rows.size();
        System.out.printf("pipeline: fit %.1f s, transform+collect %.1f s, training accuracy %.3f%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, accuracy);
        // six epochs of Adam on 200 images: well above the 10 % of guessing (0.385 measured)
        assertTrue(accuracy > 0.2, "training accuracy " + accuracy);
    }
}
