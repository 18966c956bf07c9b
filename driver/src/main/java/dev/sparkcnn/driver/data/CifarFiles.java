package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A CIFAR-10 dataset as a list of binary files on any Hadoop FileSystem ({@code file:},
 * {@code hdfs:}, {@code s3a:}), in a fixed order, with the global record index running through
 * them: record i of the dataset is in the file whose cumulative range contains i.
 *
 * <p>Resolution checks what can be checked from the driver before any Spark job: the path exists,
 * something matched, every file's size is a whole number of 3073-byte records. Labels are checked
 * when partitions read their records ({@link #read}), with the file and record index in the message.
 */
public final class CifarFiles implements ImageSource {
    private static final long serialVersionUID = 1L;

    /** The record layouts: CIFAR-10 (1 label byte), CIFAR-100 (coarse then fine label byte). */
    public enum Layout {
        CIFAR10("CIFAR-10", 1, 0, 10), CIFAR100_FINE("CIFAR-100", 2, 1, 100), CIFAR100_COARSE("CIFAR-100", 2, 0, 20);

        final String dataset;
        final int labelBytes, labelAt, classes;

        Layout(String dataset, int labelBytes, int labelAt, int classes) {
            this.dataset = dataset;
            this.labelBytes = labelBytes;
            this.labelAt = labelAt;
            this.classes = classes;
        }

        public int recordBytes() {
            return labelBytes + CifarRecords.IMAGE_BYTES;
        }

        public int classes() {
            return classes;
        }
    }

    /** CIFAR-100's standard file names. */
    public static final List<String> CIFAR100_TRAIN = List.of("train.bin");
    public static final String CIFAR100_TEST = "test.bin";

    private Layout layout = Layout.CIFAR10;
    private List<String> classNames;
    private final String description;
    private final String[] uris;
    private final long[] firstRecord;   // cumulative; firstRecord[files] = total
    private final String[] names;

    private CifarFiles(String description, String[] uris, long[] counts, String[] names) {
        this.description = description;
        this.uris = uris;
        this.names = names;
        this.firstRecord = new long[counts.length + 1];
        for (int i = 0; i < counts.length; i++) firstRecord[i + 1] = firstRecord[i] + counts[i];
    }

    /**
     * Resolves {@code location}: a file, a glob ({@code data_batch_*.bin}), or a directory. A
     * directory must hold every one of {@code defaultNames} (e.g. data_batch_1..5.bin); a missing one
     * is refused by name, and no other file of the directory is ever used. Files are taken in name order.
     */
    public static CifarFiles resolve(String location, List<String> defaultNames, Configuration conf) {
        return resolve(location, defaultNames, conf, Layout.CIFAR10);
    }

    /** As {@link #resolve(String, List, Configuration)} for the records of {@code layout}. */
    public static CifarFiles resolve(String location, List<String> defaultNames, Configuration conf, Layout layout) {
        CifarFiles f = resolveFiles(location, defaultNames, conf, layout.recordBytes(), layout.dataset);
        f.layout = layout;
        f.classNames = classNamesNear(f, layout, conf);
        return f;
    }

    /**
     * Class names from the meta file next to the data ({@code batches.meta.txt} for CIFAR-10,
     * {@code fine_label_names.txt} / {@code coarse_label_names.txt} for CIFAR-100, one name a line),
     * else CIFAR-10's names or "class_0".. for CIFAR-100.
     */
    private static List<String> classNamesNear(CifarFiles f, Layout layout, Configuration conf) {
        String meta = layout == Layout.CIFAR10 ? "batches.meta.txt" : layout == Layout.CIFAR100_FINE ? "fine_label_names.txt"
                : "coarse_label_names.txt";
        Path p = new Path(new Path(f.uris[0]).getParent(), meta);
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (fs.exists(p)) {
                List<String> names = new ArrayList<>();
                try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(p),
                        java.nio.charset.StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) if (!line.isBlank()) names.add(line.trim());
                }
                if (names.size() == layout.classes) return List.copyOf(names);
            }
        } catch (IOException e) {
            // fall through to the defaults: the names are cosmetic, the labels are in the records
        }
        if (layout == Layout.CIFAR10) return dev.sparkcnn.kernels.data.CifarClasses.NAMES;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < layout.classes; k++) names.add(String.format(java.util.Locale.ROOT, "class_%02d", k));
        return List.copyOf(names);
    }

    private static CifarFiles resolveFiles(String location, List<String> defaultNames, Configuration conf, int recordBytes,
                                           String dataset) {
        try {
            Path path = new Path(location);
            FileSystem fs = path.getFileSystem(conf);
            List<FileStatus> files = new ArrayList<>();
            boolean glob = location.indexOf('*') >= 0 || location.indexOf('?') >= 0 || location.indexOf('[') >= 0
                    || location.indexOf('{') >= 0;
            if (glob) {
                FileStatus[] matched = fs.globStatus(path);
                if (matched == null || matched.length == 0) {
                    throw new DataException("no files match " + location);
                }
                for (FileStatus s : matched) if (s.isFile()) files.add(s);
            } else {
                if (!fs.exists(path)) {
                    throw new DataException(dataset + " data " + location + " does not exist (expected a directory with "
                            + String.join(", ", defaultNames) + ", a .bin file or a glob)");
                }
                FileStatus st = fs.getFileStatus(path);
                if (st.isFile()) {
                    files.add(st);
                } else {
                    // a directory holds exactly the standard files: a missing one is an error, never a smaller
                    // training set, and other *.bin files there (the test set) are never picked up instead
                    List<String> missing = new ArrayList<>();
                    for (String name : defaultNames) {
                        Path p = new Path(path, name);
                        if (fs.exists(p)) files.add(fs.getFileStatus(p));
                        else missing.add(name);
                    }
                    if (files.isEmpty()) {
                        List<String> other = new ArrayList<>();
                        for (FileStatus s : fs.listStatus(path)) {
                            if (s.isFile() && s.getPath().getName().endsWith(".bin")) other.add(s.getPath().getName());
                        }
                        other.sort(null);
                        throw new DataException("no " + dataset + " files in " + location + ": expected " + String.join(", ", defaultNames)
                                + (other.isEmpty() ? "" : " (it has " + String.join(", ", other) + "; name the files you mean with a glob, e.g. "
                                + new Path(path, "*.bin") + ", or pass one file)"));
                    }
                    if (!missing.isEmpty()) {
                        throw new DataException(dataset + " directory " + location + " lacks " + String.join(", ", missing) + " (it has "
                                + String.join(", ", files.stream().map(f -> f.getPath().getName()).toList())
                                + "): restore the missing files, or name the files you mean with a glob or a single file");
                    }
                }
            }
            if (files.isEmpty()) {
                throw new DataException("no " + dataset + " files in " + location + " (looked for " + String.join(", ", defaultNames) + ")");
            }
            files.sort(Comparator.comparing(s -> s.getPath().toString()));
            String[] uris = new String[files.size()];
            String[] names = new String[files.size()];
            long[] counts = new long[files.size()];
            for (int i = 0; i < files.size(); i++) {
                FileStatus s = files.get(i);
                long len = s.getLen();
                uris[i] = s.getPath().toString();
                names[i] = s.getPath().getName();
                if (len == 0) throw new DataException(dataset + " file " + uris[i] + " is empty");
                if (len % recordBytes != 0) {
                    throw new DataException(dataset + " file " + uris[i] + " has " + len + " bytes, not a multiple of the "
                            + recordBytes + "-byte record (" + len / recordBytes
                            + " whole records and " + len % recordBytes + " bytes left over): truncated or not " + dataset + " binary");
                }
                counts[i] = len / recordBytes;
            }
            return new CifarFiles(location, uris, counts, names);
        } catch (IOException e) {
            throw new DataException("cannot list " + dataset + " data at " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a training set that would leak test data into training: a file named like the CIFAR-10
     * test set ({@value CifarRecords#TEST_FILE}), or any file that {@code test} (may be null) also uses.
     */
    public void checkTrainingSet(CifarFiles test) {
        for (String uri : uris) {
            String name = new Path(uri).getName();
            if (layout == Layout.CIFAR10 ? name.equals(CifarRecords.TEST_FILE) : name.equals(CIFAR100_TEST)) {
                throw new DataException("the training data " + description + " includes " + uri + ", the " + layout.dataset + " test set: "
                        + "training on it would leak test images into training; name the training files only, e.g. a directory "
                        + "with data_batch_1..5.bin or a glob such as data_batch_*.bin");
            }
            if (test != null && test.uris().contains(uri)) {
                throw new DataException(uri + " is both in the training data (" + description + ") and in the test data ("
                        + test.description + "): the test accuracy would be measured on training images");
            }
        }
    }

    public long records() {
        return firstRecord[firstRecord.length - 1];
    }

    public List<String> uris() {
        return List.of(uris);
    }

    public String description() {
        return description;
    }

    /**
     * Reads records {@code [from, to)} of the dataset into labels (one byte each) and pixels
     * (3072 bytes each), validating every label.
     */
    public void read(long from, long to, byte[] labels, byte[] pixels, Configuration conf) {
        read(from, to, null, labels, pixels, new long[1], conf);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    public Layout layout() {
        return layout;
    }

    /** Records [from, to), converted (resized, grey) to the decoder's layout when it is not 3x32x32 (null: as stored). */
    @Override
    public int read(long from, long to, ImageDecoder decoder, byte[] labels, byte[] pixels, long[] skipped, Configuration conf) {
        int recordBytes = layout.recordBytes(), imageBytes = decoder == null ? CifarRecords.IMAGE_BYTES : decoder.imageBytes();
        byte[] record = new byte[recordBytes];
        int out = 0;
        int file = Arrays.binarySearch(firstRecord, from);
        if (file < 0) file = -file - 2;
        long i = from;
        while (i < to) {
            while (i >= firstRecord[file + 1]) file++;
            long end = Math.min(to, firstRecord[file + 1]);
            Path path = new Path(uris[file]);
            try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
                in.seek((i - firstRecord[file]) * recordBytes);
                for (; i < end; i++, out++) {
                    in.readFully(record);
                    int label = record[layout.labelAt] & 0xff;
                    if (label >= layout.classes) {
                        throw new DataException(layout.dataset + " file " + uris[file] + ": record " + (i - firstRecord[file])
                                + " has " + (layout == Layout.CIFAR10 ? "" : layout == Layout.CIFAR100_FINE ? "fine " : "coarse ")
                                + "label " + label + ", expected a class in 0.." + (layout.classes - 1));
                    }
                    labels[out] = (byte) label;
                    if (decoder == null) System.arraycopy(record, layout.labelBytes, pixels, out * imageBytes, imageBytes);
                    else decoder.convert(record, layout.labelBytes, 3, 32, 32, pixels, out * imageBytes);
                }
            } catch (IOException e) {
                throw new DataException("cannot read " + layout.dataset + " file " + uris[file] + " at record " + (i - firstRecord[file])
                        + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return records() + " records in " + String.join(", ", names);
    }
}
