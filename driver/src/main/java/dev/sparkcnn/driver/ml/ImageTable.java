package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.data.DataException;
import dev.sparkcnn.driver.data.ImageDecoder;
import dev.sparkcnn.driver.data.TableShards;
import dev.sparkcnn.kernels.tensor.Shape;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * A table of labelled images (a Parquet file, or any DataFrame) as training data that stays in the
 * executors: an image column (encoded PNG/JPEG bytes, Spark's image struct, or a Vector of pixel
 * values; see {@link FeaturesColumn}) and a label column, either numbers (class indices; the class
 * count is given, or the largest label + 1) or strings (the classes are the sorted distinct names,
 * found by a distributed {@code distinct}). Rows are decoded where they are, then cut into shards
 * by {@link TableShards}; the driver sees counts and class names only. Errors name the row
 * ("row 12 of partition 3") and the column.
 */
public final class ImageTable implements AutoCloseable {

    private final TableShards shards;
    private final List<String> classNames;
    private final long skipped;

    private ImageTable(TableShards shards, List<String> classNames, long skipped) {
        this.shards = shards;
        this.classNames = classNames;
        this.skipped = skipped;
    }

    /**
     * Reads {@code df}. {@code classes}: the class count when labels are numbers (null: from the data);
     * {@code skipUnreadable}: unreadable encoded images are skipped and counted instead of refused.
     */
    public static ImageTable of(Dataset<?> df, String imageCol, String labelCol, Shape in, Integer classes, long seed,
                                boolean skipUnreadable, long maxPixels) {
        return of(df, imageCol, labelCol, in, classes, null, seed, skipUnreadable, maxPixels);
    }

    /**
     * As above; {@code knownClasses} (e.g. the training set's, when this is the test set; may be null)
     * fixes the class names and the label of each: a row with another class name is refused.
     */
    public static ImageTable of(Dataset<?> df, String imageCol, String labelCol, Shape in, Integer classes, List<String> knownClasses,
                                long seed, boolean skipUnreadable, long maxPixels) {
        FeaturesColumn features = FeaturesColumn.of(df.schema(), imageCol, in.channels(), in.height(), in.width(), maxPixels);
        if (!java.util.Arrays.asList(df.schema().fieldNames()).contains(labelCol)) {
            throw new CnnInputException("label column '" + labelCol + "' does not exist; the table has columns "
                    + String.join(", ", df.schema().fieldNames()));
        }
        DataType labelType = df.schema().apply(labelCol).dataType();
        List<String> names;
        Map<String, Integer> index = null;
        Dataset<Row> rows;
        try {
            if (labelType.equals(DataTypes.StringType)) {
                names = new ArrayList<>();
                if (knownClasses != null) {
                    names.addAll(knownClasses);
                } else {
                    for (Row r : df.toDF().select(col(labelCol)).where(col(labelCol).isNotNull()).distinct().collectAsList()) {
                        names.add(r.getString(0));
                    }
                    names.sort(null);
                }
                index = new HashMap<>();
                for (int k = 0; k < names.size(); k++) index.put(names.get(k), k);
                rows = df.toDF().select(col(imageCol), col(labelCol));
            } else if (labelType instanceof NumericType) {
                int k;
                if (knownClasses != null) {
                    k = knownClasses.size();
                } else if (classes != null) {
                    k = classes;
                } else {
                    Row max = df.toDF().agg(org.apache.spark.sql.functions.max(col(labelCol).cast(DataTypes.DoubleType))).first();
                    k = max.isNullAt(0) ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.floor(max.getDouble(0)) + 1));
                }
                names = new ArrayList<>();
                for (int c = 0; c < k; c++) names.add(String.valueOf(c));
                rows = df.toDF().select(col(imageCol), col(labelCol).cast(DataTypes.DoubleType));
            } else {
                throw new CnnInputException("label column '" + labelCol + "' has type " + labelType.simpleString()
                        + "; expected class indices (integers) or class names (strings)");
            }
        } catch (CnnInputException e) {
            throw e;
        } catch (Exception e) {
            throw CnnInputException.unwrap(e);
        }
        if (classes == null && names.size() < 2) {
            throw new CnnInputException("label column '" + labelCol + "' has " + names.size() + " class" + (names.size() == 1 ? " ("
                    + names.get(0) + ")" : "es") + ": a classifier needs at least two");
        }
        if (names.size() > dev.sparkcnn.kernels.data.CifarBlock.MAX_CLASSES) {
            throw new CnnInputException("label column '" + labelCol + "' has " + names.size() + " classes, more than the "
                    + dev.sparkcnn.kernels.data.CifarBlock.MAX_CLASSES + " supported");
        }
        Map<String, Integer> byName = index;
        int k = names.size(), size = features.imageBytes();
        JavaRDD<TableShards.Item> items = rows.javaRDD().mapPartitionsWithIndex((partition, it) -> decode(partition, it, features,
                labelCol, byName, k, size, skipUnreadable), false);
        TableShards shards;
        try {
            shards = new TableShards(items, seed, in.channels(), in.height(), in.width(), k);
        } catch (Exception e) {
            throw CnnInputException.unwrap(e);
        }
        long total = df.count();
        return new ImageTable(shards, List.copyOf(names), total - shards.records());
    }

    private static Iterator<TableShards.Item> decode(int partition, Iterator<Row> it, FeaturesColumn features, String labelCol,
                                                     Map<String, Integer> byName, int classes, int size, boolean skip) {
        List<TableShards.Item> out = new ArrayList<>();
        for (int r = 0; it.hasNext(); r++) {
            Row row = it.next();
            String where = "row " + r + " of partition " + partition;
            int label;
            if (byName != null) {
                if (row.isNullAt(1)) throw new CnnInputException("label column '" + labelCol + "' is null in " + where);
                Integer known = byName.get(row.getString(1));
                if (known == null) {
                    throw new CnnInputException("label column '" + labelCol + "' has class '" + row.getString(1) + "' in " + where
                            + ", which the training data does not have (its classes: " + String.join(", ", new java.util.TreeSet<>(byName.keySet())) + ")");
                }
                label = known;
            } else {
                label = FeaturesColumn.label(row, 1, labelCol, where, classes);
            }
            byte[] pixels = new byte[size];
            try {
                features.read(row, 0, pixels, 0, where);
            } catch (ImageDecoder.UnreadableImageException e) {
                if (!skip) throw new DataException(e.getMessage() + " (set data.skip.unreadable = true to skip such rows and count them)", e);
                out.add(null);
                continue;
            }
            out.add(new TableShards.Item(pixels, label));
        }
        return out.iterator();
    }

    public TableShards shards() {
        return shards;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Rows skipped as unreadable. */
    public long skipped() {
        return skipped;
    }

    @Override
    public void close() {
        shards.close();
    }
}
