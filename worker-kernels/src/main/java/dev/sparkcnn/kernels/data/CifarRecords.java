package dev.sparkcnn.kernels.data;

import java.util.List;

/**
 * The CIFAR-10 binary layout (the "binary version" from the dataset's home page, and what
 * {@code shared/datasets/cifar10/PrepareCifar10.java} writes): a file is a plain sequence of
 * 3073-byte records with no header,
 *
 * <pre>
 *   record = label (1 byte, 0..9)
 *          + red   plane (1024 bytes, 32 rows of 32, row-major)
 *          + green plane (1024 bytes)
 *          + blue  plane (1024 bytes)
 * </pre>
 *
 * so the 3072 image bytes are already CHW, the order the network consumes. Training data is
 * {@code data_batch_1.bin .. data_batch_5.bin} (10,000 records each in the full set), test data
 * {@code test_batch.bin}.
 */
public final class CifarRecords {

    public static final int CLASSES = 10;
    public static final int CHANNELS = 3;
    public static final int HEIGHT = 32;
    public static final int WIDTH = 32;
    /** Bytes of one colour plane: 32 x 32. */
    public static final int PLANE_BYTES = HEIGHT * WIDTH;
    /** Bytes of one image: 3 planes, CHW. */
    public static final int IMAGE_BYTES = CHANNELS * PLANE_BYTES;
    /** Bytes of one record: the label byte and the image. */
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;

    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";

    private CifarRecords() {
    }
}
