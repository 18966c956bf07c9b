/**
 * The Spark ML Pipeline API: {@link dev.sparkcnn.driver.ml.CnnClassifier} (an Estimator) trains
 * a CNN on a DataFrame of images (any size; the spec's input decides) and returns a
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
 * Features are a Vector of C x H x W whole pixel values 0..255 in CIFAR order (CHW planes,
 * row-major), Spark's image struct (any size; grey, BGR or BGRA) or encoded image bytes (PNG,
 * JPEG); other sizes are centre-cropped and resized to the spec's input ({@link
 * dev.sparkcnn.driver.data.ImageDecoder}). Fitting decodes and shards the rows in the DataFrame's
 * own partitions ({@link dev.sparkcnn.driver.ml.ImageTable}): the driver never holds the training
 * set. Scoring is distributed. A network trained by the command-line trainer can be wrapped with
 * {@code new CnnClassificationModel(uid, SavedModel.load(path, conf))}.
 */
package dev.sparkcnn.driver.ml;
