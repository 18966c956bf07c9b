package dev.sparkcnn.driver.ml;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;

/**
 * The training rows of a DataFrame gathered on the driver as one {@link CifarBlock}: the
 * executors turn their rows into compact uint8 images (3 KB each, a Vector of doubles is 24 KB),
 * the driver concatenates them and shuffles them with the seed. The training set must therefore
 * fit in the driver's memory (CIFAR-10's 50,000 images are 150 MB). The shuffle makes training
 * independent of the DataFrame's order: shards are contiguous runs of records and each is a
 * batch-norm group, so a DataFrame sorted by label would otherwise give one-class groups.
 */
final class TrainingSet {

    private TrainingSet() {
    }

    static CifarBlock collect(Dataset<?> data, FeaturesColumn features, String labelCol, long seed) {
        Dataset<Row> rows = data.toDF().select(col(features.name), col(labelCol).cast(DataTypes.DoubleType));
        // per partition {pixels (n x 3072), labels (n)}
        JavaRDD<byte[][]> parts = rows.javaRDD().mapPartitionsWithIndex((partition, it) -> {
            ByteArrayOutputStream pixels = new ByteArrayOutputStream();
            ByteArrayOutputStream labels = new ByteArrayOutputStream();
            byte[] image = new byte[FeaturesColumn.IMAGE_BYTES];
            for (int r = 0; it.hasNext(); r++) {
                Row row = it.next();
                String where = "row " + r + " of partition " + partition + " of the training data";
                features.read(row, 0, image, 0, where);
                labels.write(FeaturesColumn.label(row, 1, labelCol, where));
                pixels.write(image);
            }
            Iterator<byte[][]> one = List.<byte[][]>of(new byte[][] {pixels.toByteArray(), labels.toByteArray()}).iterator();
            return one;
        }, false);
        List<byte[][]> collected;
        try {
            collected = parts.collect();
        } catch (Exception e) {   // SparkException is checked but undeclared
            throw CnnInputException.unwrap(e);
        }
        return shuffled(collected, seed);
    }

    /** The images of all parts in one block, in an order drawn from {@code seed} (Fisher-Yates). */
    static CifarBlock shuffled(List<byte[][]> parts, long seed) {
        long total = 0;
        for (byte[][] p : parts) total += p[1].length;
        int size = FeaturesColumn.IMAGE_BYTES;
        if (total == 0) throw new CnnInputException("the training data is empty: there is nothing to fit");
        if (total * size > Integer.MAX_VALUE - 8) {
            throw new CnnInputException("the training data has " + total + " images, more than one driver-side block holds ("
                    + ((Integer.MAX_VALUE - 8) / size) + "); train from files with the command-line trainer instead");
        }
        int n = (int) total;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        byte[] pixels = new byte[n * size], labels = new byte[n];
        int at = 0;   // position of the current part's first image in the concatenation
        for (byte[][] p : parts) {
            for (int k = 0; k < p[1].length; k++) {
                int to = order[at + k];
                System.arraycopy(p[0], k * size, pixels, to * size, size);
                labels[to] = p[1][k];
            }
            at += p[1].length;
        }
        return new CifarBlock(pixels, labels);
    }
}
