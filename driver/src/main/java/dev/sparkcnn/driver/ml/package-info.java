/**
 * The Spark ML Pipeline API: {@link dev.sparkcnn.driver.ml.CnnClassifier} (an Estimator) trains
 * a CNN on a DataFrame of CIFAR-10-sized images and returns a
 * {@link dev.sparkcnn.driver.ml.CnnClassificationModel} (a Model) that adds prediction,
 * probability and rawPrediction columns, like MLlib's classifiers, so both work in a
 * {@code Pipeline}, with {@code CrossValidator} / {@code TrainValidationSplit} and
 * {@code MulticlassClassificationEvaluator}, and save and load.
 *
 * <pre>{@code
 * CnnClassifier cnn = new CnnClassifier()
 *         .setModelSpec("cifar-quick").setOptimizer("adam").setLr(2e-3).setEpochs(10)
 *         .setFeaturesCol("image");                    // spark.read().format("image"), 32x32
 * CnnClassificationModel model = cnn.fit(train);       // label: 0..9
 * Dataset<Row> scored = model.transform(test);         // + prediction, probability, rawPrediction
 * model.write().overwrite().save("hdfs:///models/cnn");
 * CnnClassificationModel again = CnnClassificationModel.load("hdfs:///models/cnn");
 * }</pre>
 *
 * Features are either a Vector of 3072 whole pixel values 0..255 in CIFAR order (CHW: R, G, B
 * planes of 32x32, row-major) or Spark's image struct (32x32, BGR or BGRA). Fitting gathers the
 * training images on the driver (3 KB each), so the training set must fit in driver memory;
 * scoring is distributed. A network trained by the command-line trainer can be wrapped with
 * {@code new CnnClassificationModel(uid, SavedModel.load(path, conf))}.
 */
package dev.sparkcnn.driver.ml;
