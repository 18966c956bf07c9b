package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real CIFAR-10 images as DataFrames, in the two layouts the classifier reads, on the shared test context. */
final class MlTestData {

    static final String[] CLASS_NAMES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

    private MlTestData() {
    }

    static SparkSession spark() {
        return SparkSession.builder().sparkContext(SparkTestContext.get().sc()).getOrCreate();
    }

    /** The training images of the subset with {@code perClass} images per class (10 * perClass in all). */
    static CifarBlock train(int perClass) {
        Path dir = TestCifar.subset(perClass);
        List<Path> files = new ArrayList<>();
        for (String f : CifarRecords.TRAIN_FILES) files.add(dir.resolve(f));
        try {
            return CifarBlock.readAll(files);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The subset's test images ({@code perClass} per class). */
    static CifarBlock test(int perClass) {
        try {
            return CifarBlock.read(TestCifar.subset(perClass).resolve(CifarRecords.TEST_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Image i as the classifier's Vector: 3072 values 0..255 in CIFAR CHW order. */
    static Vector vector(CifarBlock b, int i) {
        double[] v = new double[3072];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) v[c * 1024 + y * 32 + x] = b.pixel(i, c, y, x);
            }
        }
        return Vectors.dense(v);
    }

    /** Columns id (int), className (string), features (Vector), label (double). */
    static Dataset<Row> vectors(CifarBlock b) {
        return vectors(b, 1.0);
    }

    /** As {@link #vectors(CifarBlock)} with every pixel value multiplied by {@code scale}. */
    static Dataset<Row> vectors(CifarBlock b, double scale) {
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType, false)
                .add("className", DataTypes.StringType, false)
                .add("features", SQLDataTypes.VectorType(), false)
                .add("label", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            double[] v = vector(b, i).toArray();
            for (int k = 0; k < v.length; k++) v[k] *= scale;
            rows.add(RowFactory.create(i, CLASS_NAMES[b.label(i)], Vectors.dense(v), (double) b.label(i)));
        }
        return spark().createDataFrame(rows, schema);
    }

    /**
     * Columns id, image (ImageSchema struct, BGR or BGRA interleaved), label. Images of another
     * {@code side} are the top-left crop (or zero-padded).
     */
    static Dataset<Row> images(CifarBlock b, int side, int channels) {
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType, false)
                .add("image", ImageSchema.columnSchema(), false)
                .add("label", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            byte[] data = new byte[side * side * channels];
            for (int y = 0; y < Math.min(side, 32); y++) {
                for (int x = 0; x < Math.min(side, 32); x++) {
                    int o = (y * side + x) * channels;
                    data[o] = (byte) b.pixel(i, 2, y, x);       // blue
                    data[o + 1] = (byte) b.pixel(i, 1, y, x);   // green
                    data[o + 2] = (byte) b.pixel(i, 0, y, x);   // red
                    if (channels == 4) data[o + 3] = (byte) 255;
                }
            }
            int mode = channels == 3 ? 16 : 24;   // CV_8UC3, CV_8UC4
            Row image = RowFactory.create("file:/cifar/img-" + i + ".png", side, side, channels, mode, data);
            rows.add(RowFactory.create(i, image, (double) b.label(i)));
        }
        return spark().createDataFrame(rows, schema);
    }
}
