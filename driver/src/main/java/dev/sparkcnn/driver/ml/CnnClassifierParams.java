package dev.sparkcnn.driver.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params that {@link CnnClassifier} and {@link CnnClassificationModel} share (the model keeps
 * the training Params it was fitted with, so a CrossValidator's best model says which lr won).
 * Spark finds Params by reflection on public no-argument methods returning a Param, so each class
 * declares the accessors and holds the Param objects in a {@link CnnParamSet}; the getters live here.
 */
public interface CnnClassifierParams extends Params {

    /** A shipped spec name (cifar-quick, lenet5, resnet20, cifar-fcn), a spec file on the driver, or spec text. */
    Param<String> modelSpec();

    /** sgd, adam or adamw. */
    Param<String> optimizer();

    /** Base learning rate (the step size; the schedule is cosine with warm-up unless trainSettings says otherwise). */
    DoubleParam lr();

    /** Global mini-batch size. */
    IntParam batchSize();

    /** Passes over the training set. */
    IntParam epochs();

    /** Fixes initialisation, data order, augmentation and dropout. */
    LongParam seed();

    /** Data partitions for training (0: the cluster's default parallelism, at most 8). */
    IntParam partitions();

    /** Further training settings as {@code key=value} pairs separated by ';' or new lines (keys of TrainConfig). */
    Param<String> trainSettings();

    Param<String> featuresCol();

    Param<String> labelCol();

    Param<String> predictionCol();

    Param<String> probabilityCol();

    Param<String> rawPredictionCol();

    default String getModelSpec() {
        return getOrDefault(modelSpec());
    }

    default String getOptimizer() {
        return getOrDefault(optimizer());
    }

    default double getLr() {
        return (Double) getOrDefault(lr());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default int getEpochs() {
        return (Integer) getOrDefault(epochs());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default int getPartitions() {
        return (Integer) getOrDefault(partitions());
    }

    default String getTrainSettings() {
        return getOrDefault(trainSettings());
    }

    default String getFeaturesCol() {
        return getOrDefault(featuresCol());
    }

    default String getLabelCol() {
        return getOrDefault(labelCol());
    }

    default String getPredictionCol() {
        return getOrDefault(predictionCol());
    }

    default String getProbabilityCol() {
        return getOrDefault(probabilityCol());
    }

    default String getRawPredictionCol() {
        return getOrDefault(rawPredictionCol());
    }
}
