package dev.sparkcnn.driver.ml;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two features layouts (Vector in CIFAR CHW order, Spark image struct in BGR(A) HWC order)
 * are the same images to the classifier; input it cannot use is refused with a message that says
 * which row or image and what was expected.
 */
class CnnClassifierInputTest {

    private static CifarBlock images;
    private static CnnClassifier cnn;
    private static CnnClassificationModel fromVectors;

    @BeforeAll
    static void fit() {
        images = MlTestData.train(2);   // 20 images
        cnn = new CnnClassifier().setModelSpec("lenet5").setOptimizer("adam").setLr(2e-3).setEpochs(2).setBatchSize(10)
                .setPartitions(2);
        fromVectors = cnn.fit(MlTestData.vectors(images));
    }

    @Test
    void imageStructsAndVectorsAreTheSameImages() {
        // fitting on image structs trains exactly the same network
        CnnClassificationModel fromImages = cnn.copy(org.apache.spark.ml.param.ParamMap.empty()).setFeaturesCol("image")
                .fit(MlTestData.images(images, 32, 3));
        assertArrayEquals(fromVectors.savedModel().params(), fromImages.savedModel().params());

        List<Row> expected = fromVectors.transform(MlTestData.vectors(images)).orderBy("id").select("rawPrediction").collectAsList();
        for (int channels : new int[] {3, 4}) {
            List<Row> actual = fromVectors.copy(org.apache.spark.ml.param.ParamMap.empty()).setFeaturesCol("image")
                    .transform(MlTestData.images(images, 32, channels)).orderBy("id").select("rawPrediction").collectAsList();
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(((Vector) expected.get(i).get(0)).toArray(), ((Vector) actual.get(i).get(0)).toArray(),
                        channels + " channels, image " + i);
            }
        }
    }

    @Test
    void imagesOfAnotherSizeAreResizedAndOtherChannelCountsRefusedNamingTheImage() {
        // 64x64 nearest-neighbour upscales: halving them bilinearly at pixel centres gives the 32x32 images back exactly
        Dataset<Row> big = MlTestData.spark().createDataFrame(upscaled(2, 3), MlTestData.images(images, 32, 3).schema());
        List<Row> expected = fromVectors.transform(MlTestData.vectors(images)).orderBy("id").select("rawPrediction").collectAsList();
        List<Row> actual = fromVectors.copy(org.apache.spark.ml.param.ParamMap.empty()).setFeaturesCol("image")
                .transform(big).orderBy("id").select("rawPrediction").collectAsList();
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(((Vector) expected.get(i).get(0)).toArray(), ((Vector) actual.get(i).get(0)).toArray(), "image " + i);
        }
        Dataset<Row> twoChannels = MlTestData.spark().createDataFrame(upscaled(1, 2), MlTestData.images(images, 32, 3).schema());
        CnnInputException fit = assertThrows(CnnInputException.class, () -> cnn.copy(org.apache.spark.ml.param.ParamMap.empty())
                .setFeaturesCol("image").fit(twoChannels));
        System.out.println("fit on 2-channel images: " + fit.getMessage());
        assertTrue(fit.getMessage().matches("(?s)image 'file:/cifar/img-\\d+\\.png' .* is 32x32 with 2 channel\\(s\\); expected 1 \\(grey\\), 3.*"),
                fit.getMessage());
    }

    /** Rows (id, image struct, label) of the images upscaled by {@code scale} (nearest neighbour), {@code channels} interleaved. */
    private static List<Row> upscaled(int scale, int channels) {
        List<Row> rows = new java.util.ArrayList<>();
        int side = 32 * scale;
        for (int i = 0; i < images.size(); i++) {
            byte[] data = new byte[side * side * channels];
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    for (int k = 0; k < channels; k++) data[(y * side + x) * channels + k] = (byte) images.pixel(i, 2 - k, y / scale, x / scale);
                }
            }
            Row image = org.apache.spark.sql.RowFactory.create("file:/cifar/img-" + i + ".png", side, side, channels, channels == 3 ? 16 : 8, data);
            rows.add(org.apache.spark.sql.RowFactory.create(i, image, (double) images.label(i)));
        }
        return rows;
    }

    @Test
    void otherUnusableInputIsRefusedClearly() {
        Dataset<Row> df = MlTestData.vectors(images);

        CnnInputException type = assertThrows(CnnInputException.class,
                () -> fromVectors.copy(org.apache.spark.ml.param.ParamMap.empty()).setFeaturesCol("className").transform(df));
        assertTrue(type.getMessage().startsWith("features column 'className' has type string; expected a Vector of 3072"),
                type.getMessage());

        CnnInputException missing = assertThrows(CnnInputException.class,
                () -> cnn.copy(org.apache.spark.ml.param.ParamMap.empty()).setLabelCol("y").fit(df));
        assertTrue(missing.getMessage().startsWith("label column 'y' does not exist"), missing.getMessage());

        Dataset<Row> badLabel = df.withColumn("label", when(col("id").equalTo(7), lit(10.0)).otherwise(col("label")));
        CnnInputException label = assertThrows(CnnInputException.class, () -> cnn.fit(badLabel));
        System.out.println("label 10: " + label.getMessage());
        assertTrue(label.getMessage().matches("label column 'label' has value 10\\.0 in row \\d+ of partition \\d+; "
                + "expected a CIFAR-10 class, a whole number 0..9"), label.getMessage());

        CnnInputException scaled = assertThrows(CnnInputException.class, () -> cnn.fit(MlTestData.vectors(images, 1 / 255.0)));
        System.out.println("pixels scaled to 0..1: " + scaled.getMessage());
        assertTrue(scaled.getMessage().contains("expected raw pixel values, whole numbers 0..255"), scaled.getMessage());

        CnnInputException exists = assertThrows(CnnInputException.class,
                () -> fromVectors.transform(fromVectors.transform(df)));
        assertTrue(exists.getMessage().startsWith("output column 'prediction' already exists"), exists.getMessage());
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) b.append(t).append('\n');
        return b.toString();
    }
}
