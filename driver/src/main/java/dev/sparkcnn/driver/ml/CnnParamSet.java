package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.train.TrainConfig;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.io.Serializable;

/**
 * The Param objects of one {@link CnnClassifierParams} owner (created with the owner's uid, as
 * Spark requires) and their defaults. The training defaults are TrainConfig's, so the estimator
 * and the command line train the same way unless told otherwise.
 */
final class CnnParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> modelSpec;
    final Param<String> optimizer;
    final DoubleParam lr;
    final IntParam batchSize;
    final IntParam epochs;
    final LongParam seed;
    final IntParam partitions;
    final Param<String> trainSettings;
    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> predictionCol;
    final Param<String> probabilityCol;
    final Param<String> rawPredictionCol;

    CnnParamSet(String uid) {
        modelSpec = new Param<>(uid, "modelSpec",
                "model spec: a shipped name (cifar-quick, lenet5, resnet20, cifar-fcn), a spec file on the driver, or spec text");
        optimizer = new Param<>(uid, "optimizer", "optimizer: sgd, adam or adamw",
                ParamValidators.inArray(new String[] {"sgd", "adam", "adamw"}));
        lr = new DoubleParam(uid, "lr", "base learning rate (> 0)", ParamValidators.gt(0));
        batchSize = new IntParam(uid, "batchSize", "global mini-batch size (> 0)", ParamValidators.gt(0));
        epochs = new IntParam(uid, "epochs", "passes over the training set (> 0)", ParamValidators.gt(0));
        seed = new LongParam(uid, "seed", "random seed: initialisation, data order, augmentation and dropout");
        partitions = new IntParam(uid, "partitions",
                "training partitions (>= 0; 0: the cluster's default parallelism, at most 8)", ParamValidators.gtEq(0));
        trainSettings = new Param<>(uid, "trainSettings",
                "further training settings, key=value pairs separated by ';' or new lines (TrainConfig keys, e.g. "
                        + "'augment=false; momentum=0.9'); the other Params win over these");
        featuresCol = new Param<>(uid, "featuresCol",
                "features column: a Vector of 3072 whole pixel values 0..255 in CIFAR CHW order (R, G, B planes of 32x32), or an image struct (ImageSchema) of 32x32 BGR(A)");
        labelCol = new Param<>(uid, "labelCol", "label column: numbers 0..9 (CIFAR-10 classes)");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column (the most likely class, as a double); empty: none");
        probabilityCol = new Param<>(uid, "probabilityCol", "class probabilities column (softmax of the raw prediction); empty: none");
        rawPredictionCol = new Param<>(uid, "rawPredictionCol", "raw prediction (logits) column; empty: none");
    }

    /** The defaults, set on the owner of these Params. */
    void setDefaults(Params owner) {
        owner.setDefault(modelSpec, TrainConfig.KEYS.get("model")[0]);
        owner.setDefault(optimizer, TrainConfig.KEYS.get("optimizer")[0]);
        owner.setDefault(lr, Double.parseDouble(TrainConfig.KEYS.get("lr")[0]));
        owner.setDefault(batchSize, Integer.parseInt(TrainConfig.KEYS.get("batch.size")[0]));
        owner.setDefault(epochs, Integer.parseInt(TrainConfig.KEYS.get("epochs")[0]));
        owner.setDefault(seed, Long.parseLong(TrainConfig.KEYS.get("seed")[0]));
        owner.setDefault(partitions, 0);
        owner.setDefault(trainSettings, "");
        owner.setDefault(featuresCol, "features");
        owner.setDefault(labelCol, "label");
        owner.setDefault(predictionCol, "prediction");
        owner.setDefault(probabilityCol, "probability");
        owner.setDefault(rawPredictionCol, "rawPrediction");
    }
}
