package dev.sparkcnn.driver.ml;

import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The features column of a DataFrame, read one image at a time into the CIFAR-10 layout the
 * kernels use: 3072 uint8 values, channel-major (CHW) with the planes in R, G, B order, each plane
 * 32x32 row-major, i.e. the value of pixel (y, x) in channel c is at {@code c*1024 + y*32 + x}.
 * Two column types are accepted:
 * <ul>
 *   <li>a {@code Vector} of 3072 raw pixel values, whole numbers 0..255, already in that order
 *       (anything else is refused: a fraction or a negative value means the data was scaled or
 *       normalised, which the model does itself with the statistics of its training set);</li>
 *   <li>Spark's image struct ({@link ImageSchema#columnSchema()}, e.g. from
 *       {@code spark.read().format("image")}): 8-bit, 32x32, 3 channels (BGR) or 4 (BGRA, alpha
 *       ignored), interleaved row-major (HWC): channel k of pixel (y, x) is
 *       {@code data[(y*width + x)*nChannels + k]}, k = 0 blue, 1 green, 2 red.</li>
 * </ul>
 * Errors name the column, the row (or the image's origin) and what was expected.
 */
public final class FeaturesColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    static final int IMAGE_BYTES = CifarRecords.IMAGE_BYTES;   // 3 x 32 x 32
    private static final int CV_8UC1 = 0, CV_8UC3 = 16, CV_8UC4 = 24;   // OpenCV type codes ImageSchema uses

    enum Kind { VECTOR, IMAGE, ENCODED }

    final String name;
    final Kind kind;
    // the model's input: images of another size are resized and centre-cropped to it (ImageDecoder's policy)
    private final int channels, height, width;
    private final long maxPixels;

    private FeaturesColumn(String name, Kind kind, int channels, int height, int width, long maxPixels) {
        this.name = name;
        this.kind = kind;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.maxPixels = maxPixels;
    }

    /** The features column {@code name} of {@code schema}, refused with a clear message if missing or of another type. */
    static FeaturesColumn of(StructType schema, String name) {
        return of(schema, name, CifarRecords.CHANNELS, CifarRecords.HEIGHT, CifarRecords.WIDTH,
                dev.sparkcnn.driver.data.ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /**
     * The image column {@code name}, read into {@code channels x height x width}: a Vector of that many
     * pixel values, Spark's image struct (any size), or encoded image bytes (PNG, JPEG: binary type).
     */
    public static FeaturesColumn of(StructType schema, String name, int channels, int height, int width, long maxPixels) {
        DataType type = require(schema, name, "features").dataType();
        if (type.equals(SQLDataTypes.VectorType())) return new FeaturesColumn(name, Kind.VECTOR, channels, height, width, maxPixels);
        if (isImageStruct(type)) return new FeaturesColumn(name, Kind.IMAGE, channels, height, width, maxPixels);
        if (type.equals(org.apache.spark.sql.types.DataTypes.BinaryType)) {
            return new FeaturesColumn(name, Kind.ENCODED, channels, height, width, maxPixels);
        }
        int size = channels * height * width;
        throw new CnnInputException("features column '" + name + "' has type " + type.simpleString()
                + "; expected a Vector of " + size + " pixel values 0..255 in CIFAR CHW order (" + channels + " planes of "
                + height + "x" + width + "), an image struct as read by spark.read().format(\"image\") (any size, BGR or BGRA), "
                + "or encoded image bytes (binary: PNG, JPEG)");
    }

    public String name() {
        return name;
    }

    public int imageBytes() {
        return channels * height * width;
    }

    /** The label column: any numeric type (values are checked to be classes 0..9 when read). */
    static void checkLabel(StructType schema, String name) {
        DataType type = require(schema, name, "label").dataType();
        if (!(type instanceof NumericType)) {
            throw new CnnInputException("label column '" + name + "' has type " + type.simpleString()
                    + "; expected numbers 0..9 (the CIFAR-10 classes), e.g. double; index string labels with StringIndexer");
        }
    }

    private static StructField require(StructType schema, String name, String role) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new CnnInputException(role + " column '" + name + "' does not exist; the DataFrame has columns "
                    + String.join(", ", schema.fieldNames()));
        }
        return schema.apply(name);
    }

    /** Whether {@code type} is ImageSchema's struct (the fields we read, with their types; nullability aside). */
    private static boolean isImageStruct(DataType type) {
        if (!(type instanceof StructType)) return false;
        StructType s = (StructType) type;
        for (StructField want : ImageSchema.columnSchema().fields()) {
            if (!Arrays.asList(s.fieldNames()).contains(want.name())) return false;
            if (!s.apply(want.name()).dataType().equals(want.dataType())) return false;
        }
        return true;
    }

    /**
     * Writes the image in field {@code field} of {@code row} to {@code dst[off .. off+3072)} in CIFAR
     * CHW order; {@code where} says which row it is for error messages ("row 3 of partition 1").
     */
    public void read(Row row, int field, byte[] dst, int off, String where) {
        if (row.isNullAt(field)) throw new CnnInputException("features column '" + name + "' is null in " + where);
        if (kind == Kind.VECTOR) readVector(row.getAs(field), dst, off, where);
        else if (kind == Kind.ENCODED) {
            new dev.sparkcnn.driver.data.ImageDecoder(channels, height, width, maxPixels)
                    .decode((byte[]) row.get(field), where + ", column '" + name + "'", dst, off);
        } else readImage(row.getStruct(field), dst, off, where);
    }

    private void readVector(Vector v, byte[] dst, int off, String where) {
        int size = imageBytes();
        if (v.size() != size) {
            throw new CnnInputException("features column '" + name + "' holds a vector of size " + v.size() + " in " + where
                    + "; expected " + size + " pixel values 0..255 (a " + channels + "x" + height + "x" + width + " image in CIFAR CHW order)");
        }
        double[] values = v instanceof DenseVector ? ((DenseVector) v).values() : v.toArray();
        for (int i = 0; i < size; i++) {
            double x = values[i];
            if (!(x >= 0 && x <= 255) || x != Math.rint(x)) {
                throw new CnnInputException("features column '" + name + "' has value " + x + " at index " + i + " in " + where
                        + "; expected raw pixel values, whole numbers 0..255 (not scaled or normalised)");
            }
            dst[off + i] = (byte) (int) x;
        }
    }

    private void readImage(Row image, byte[] dst, int off, String where) {
        String origin = ImageSchema.getOrigin(image);
        int h = ImageSchema.getHeight(image), w = ImageSchema.getWidth(image), n = ImageSchema.getNChannels(image);
        int mode = ImageSchema.getMode(image);
        byte[] data = ImageSchema.getData(image);
        String what = "image '" + origin + "' (" + where + ", column '" + name + "')";
        if (h <= 0 || w <= 0 || (n != 1 && n != 3 && n != 4)) {
            throw new CnnInputException(what + " is " + h + "x" + w + " with " + n + " channel(s); expected 1 (grey), 3 (BGR) "
                    + "or 4 (BGRA) channels");
        }
        if ((long) h * w > maxPixels) {
            throw new CnnInputException(what + " is " + h + "x" + w + ", more pixels than the cap of " + maxPixels);
        }
        int expectedMode = n == 1 ? CV_8UC1 : n == 3 ? CV_8UC3 : CV_8UC4;
        if (mode != expectedMode) {
            throw new CnnInputException(what + " has OpenCV mode " + mode + "; expected 8-bit unsigned data (mode " + expectedMode + ")");
        }
        if (data == null || data.length != h * w * n) {
            throw new CnnInputException(what + " has " + (data == null ? "no" : String.valueOf(data.length)) + " data bytes; expected "
                    + (h * w * n) + " (" + h + " x " + w + " x " + n + ")");
        }
        // HWC with B, G, R(, A) -> packed RGB, then the size policy (exact size: copied as is)
        int[] rgb = new int[h * w];
        for (int i = 0; i < h * w; i++) {
            int src = i * n;
            int r = data[src + (n == 1 ? 0 : 2)] & 0xff, g = data[src + (n == 1 ? 0 : 1)] & 0xff, b = data[src] & 0xff;
            rgb[i] = r << 16 | g << 8 | b;
        }
        dev.sparkcnn.driver.data.ImageDecoder.resize(rgb, w, h, channels, width, height, dst, off);
    }

    /** A label value (after a cast to double) as a class 0..9. */
    static byte label(Row row, int field, String labelCol, String where) {
        return (byte) label(row, field, labelCol, where, CifarRecords.CLASSES);
    }

    /** A label value (after a cast to double) as a class 0..classes-1. */
    public static int label(Row row, int field, String labelCol, String where, int classes) {
        if (row.isNullAt(field)) throw new CnnInputException("label column '" + labelCol + "' is null in " + where);
        double v = row.getDouble(field);
        if (!(v >= 0 && v < classes) || v != Math.rint(v)) {
            throw new CnnInputException("label column '" + labelCol + "' has value " + v + " in " + where
                    + (classes == CifarRecords.CLASSES ? "; expected a CIFAR-10 class, a whole number 0..9"
                    : "; expected a class, a whole number 0.." + (classes - 1) + " (the model scores " + classes + " classes)"));
        }
        return (int) v;
    }
}
