package dev.sparkcnn.driver.ml;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CrossValidator over a learning-rate grid: it must pick the rate that learns, with fits running
 * concurrently (parallelism 2) and giving exactly what they give one at a time; it saves and
 * loads; TrainValidationSplit picks the same rate.
 */
class CnnClassifierCrossValidationTest {

    private static final double NOTHING = 1e-6, GOOD = 2e-3;

    @Test
    void crossValidatorPicksTheLearningRateThatLearnsWithConcurrentFits(@TempDir Path dir) throws Exception {
        CifarBlock images = CifarBlock.concat(List.of(MlTestData.train(20), MlTestData.test(20)));   // 400 images
        Dataset<Row> df = MlTestData.vectors(images).cache();
        df.count();
        CnnClassifier cnn = new CnnClassifier().setModelSpec("lenet5").setOptimizer("adam")
                .setEpochs(8).setBatchSize(32).setPartitions(2);
        ParamMap[] grid = new ParamGridBuilder().addGrid(cnn.lr(), new double[] {NOTHING, GOOD}).build();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");

        TrainingJobs jobs = new TrainingJobs();
        MlTestData.spark().sparkContext().addSparkListener(jobs);
        long t0 = System.nanoTime();
        CrossValidatorModel cv;
        try {
            cv = new CrossValidator().setEstimator(cnn).setEstimatorParamMaps(grid).setEvaluator(accuracy)
                    .setNumFolds(2).setParallelism(2).setSeed(7).fit(df);
        } finally {
            MlTestData.spark().sparkContext().listenerBus().waitUntilEmpty(10_000);   // the listener sees events asynchronously
            MlTestData.spark().sparkContext().removeSparkListener(jobs);
        }
        long t1 = System.nanoTime();
        double[] metrics = cv.avgMetrics();
        System.out.printf("cross-validation: %.1f s, avg accuracy lr=%g: %.3f, lr=%g: %.3f; at most %d training jobs at once%n",
                (t1 - t0) / 1e9, NOTHING, metrics[0], GOOD, metrics[1], jobs.maxConcurrent.get());

        CnnClassificationModel best = assertInstanceOf(CnnClassificationModel.class, cv.bestModel());
        assertEquals(GOOD, best.getLr());
        assertEquals("lenet5", best.getModelSpec());
        assertTrue(metrics[1] > metrics[0] + 0.05, "avgMetrics " + Arrays.toString(metrics));
        assertTrue(jobs.maxConcurrent.get() >= 2, "the two fits of a fold never ran a training step at the same time");

        // the concurrent fits shared nothing: one at a time gives exactly the same metrics
        CrossValidatorModel sequential = new CrossValidator().setEstimator(cnn).setEstimatorParamMaps(grid)
                .setEvaluator(accuracy).setNumFolds(2).setParallelism(1).setSeed(7).fit(df);
        System.out.printf("sequential cross-validation: %.1f s%n", (System.nanoTime() - t1) / 1e9);
        assertArrayEquals(metrics, sequential.avgMetrics());

        // CrossValidator persistence needs the estimator and the model to be writable
        String path = dir.resolve("cv").toString();
        cv.write().save(path);
        CrossValidatorModel loaded = CrossValidatorModel.load(path);
        assertEquals(GOOD, ((CnnClassificationModel) loaded.bestModel()).getLr());
        assertArrayEquals(metrics, loaded.avgMetrics());
        assertEquals(cnn.getEpochs(), ((CnnClassifier) loaded.getEstimator()).getEpochs());

        // TrainValidationSplit: one split, same choice
        long t2 = System.nanoTime();
        TrainValidationSplitModel tvs = new TrainValidationSplit().setEstimator(cnn).setEstimatorParamMaps(grid)
                .setEvaluator(accuracy).setTrainRatio(0.5).setParallelism(2).setSeed(7).fit(df);
        System.out.printf("train-validation split: %.1f s, accuracy %s%n", (System.nanoTime() - t2) / 1e9,
                Arrays.toString(tvs.validationMetrics()));
        assertEquals(GOOD, ((CnnClassificationModel) tvs.bestModel()).getLr());
        assertTrue(tvs.validationMetrics()[1] > tvs.validationMetrics()[0] + 0.03, Arrays.toString(tvs.validationMetrics()));
        df.unpersist();
    }

    /** Counts the training-step jobs (those of SparkGradientSource) running at the same time. */
    static final class TrainingJobs extends SparkListener {
        final Set<Integer> running = ConcurrentHashMap.newKeySet();
        final AtomicInteger maxConcurrent = new AtomicInteger();

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            boolean training = false;
            for (StageInfo s : scala.jdk.javaapi.CollectionConverters.asJava(start.stageInfos())) {
                training |= s.name().contains("SparkGradientSource");
            }
            if (!training) return;
            running.add(start.jobId());
            maxConcurrent.accumulateAndGet(running.size(), Math::max);
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd end) {
            running.remove(end.jobId());
        }
    }
}
