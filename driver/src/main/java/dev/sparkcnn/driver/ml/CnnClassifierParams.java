package dev.sparkcnn.driver.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params that {@link CnnClassifier} and {@link CnnClassificationModel} share (the model keeps
 * the training Params it was fitted with, so a CrossValidator's best model says which lr won).
 * Spark finds Params by reflection on public no-argument methods returning a Param; the default
 * accessors below are such methods of both classes, which hold the Param objects in a {@link CnnParamSet}.
 */
public interface CnnClassifierParams extends Params {

    /** The Param objects of this instance (not itself a Param, so Spark's reflection skips it). */
    CnnParamSet paramSet();

    /** A shipped spec name (cifar-quick, lenet5, resnet20, cifar-fcn), a spec file on the driver, or spec text. */
    default Param<String> modelSpec() {
        return paramSet().modelSpec;
    }

    /** sgd, adam or adamw. */
    default Param<String> optimizer() {
        return paramSet().optimizer;
    }

    /** Base learning rate (the step size; the schedule is cosine with warm-up unless trainSettings says otherwise). */
    default DoubleParam lr() {
        return paramSet().lr;
    }

    /** Global mini-batch size. */
    default IntParam batchSize() {
        return paramSet().batchSize;
    }

    /** Passes over the training set. */
    default IntParam epochs() {
        return paramSet().epochs;
    }

    /** Fixes initialisation, data order, augmentation and dropout. */
    default LongParam seed() {
        return paramSet().seed;
    }

    /** Data partitions for training (0: the cluster's default parallelism, at most 8). */
    default IntParam partitions() {
        return paramSet().partitions;
    }

    /** Further training settings as {@code key=value} pairs separated by ';' or new lines (keys of TrainConfig). */
    default Param<String> trainSettings() {
        return paramSet().trainSettings;
    }

    default Param<String> featuresCol() {
        return paramSet().featuresCol;
    }

    default Param<String> labelCol() {
        return paramSet().labelCol;
    }

    default Param<String> predictionCol() {
        return paramSet().predictionCol;
    }

    default Param<String> probabilityCol() {
        return paramSet().probabilityCol;
    }

    default Param<String> rawPredictionCol() {
        return paramSet().rawPredictionCol;
    }

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
