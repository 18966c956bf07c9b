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
public final class CifarFiles implements Serializable {
    private static final long serialVersionUID = 1L;

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
                    throw new DataException("CIFAR-10 data " + location + " does not exist (expected a directory with "
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
                        throw new DataException("no CIFAR-10 files in " + location + ": expected " + String.join(", ", defaultNames)
                                + (other.isEmpty() ? "" : " (it has " + String.join(", ", other) + "; name the files you mean with a glob, e.g. "
                                + new Path(path, "*.bin") + ", or pass one file)"));
                    }
                    if (!missing.isEmpty()) {
                        throw new DataException("CIFAR-10 directory " + location + " lacks " + String.join(", ", missing) + " (it has "
                                + String.join(", ", files.stream().map(f -> f.getPath().getName()).toList())
                                + "): restore the missing files, or name the files you mean with a glob or a single file");
                    }
                }
            }
            if (files.isEmpty()) {
                throw new DataException("no CIFAR-10 files in " + location + " (looked for " + String.join(", ", defaultNames) + ")");
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
                if (len == 0) throw new DataException("CIFAR-10 file " + uris[i] + " is empty");
                if (len % CifarRecords.RECORD_BYTES != 0) {
                    throw new DataException("CIFAR-10 file " + uris[i] + " has " + len + " bytes, not a multiple of the "
                            + CifarRecords.RECORD_BYTES + "-byte record (" + len / CifarRecords.RECORD_BYTES
                            + " whole records and " + len % CifarRecords.RECORD_BYTES + " bytes left over): truncated or not CIFAR-10 binary");
                }
                counts[i] = len / CifarRecords.RECORD_BYTES;
            }
            return new CifarFiles(location, uris, counts, names);
        } catch (IOException e) {
            throw new DataException("cannot list CIFAR-10 data at " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a training set that would leak test data into training: a file named like the CIFAR-10
     * test set ({@value CifarRecords#TEST_FILE}), or any file that {@code test} (may be null) also uses.
     */
    public void checkTrainingSet(CifarFiles test) {
        for (String uri : uris) {
            if (new Path(uri).getName().equals(CifarRecords.TEST_FILE)) {
                throw new DataException("the training data " + description + " includes " + uri + ", the CIFAR-10 test set: "
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
        byte[] record = new byte[CifarRecords.RECORD_BYTES];
        int out = 0;
        int file = Arrays.binarySearch(firstRecord, from);
        if (file < 0) file = -file - 2;
        long i = from;
        while (i < to) {
            while (i >= firstRecord[file + 1]) file++;
            long end = Math.min(to, firstRecord[file + 1]);
            Path path = new Path(uris[file]);
            try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
                in.seek((i - firstRecord[file]) * CifarRecords.RECORD_BYTES);
                for (; i < end; i++, out++) {
                    in.readFully(record);
                    int label = record[0] & 0xff;
                    if (label >= CifarRecords.CLASSES) {
                        throw new DataException("CIFAR-10 file " + uris[file] + ": record " + (i - firstRecord[file])
                                + " has label " + label + ", expected a class in 0..9");
                    }
                    labels[out] = (byte) label;
                    System.arraycopy(record, 1, pixels, out * CifarRecords.IMAGE_BYTES, CifarRecords.IMAGE_BYTES);
                }
            } catch (IOException e) {
                throw new DataException("cannot read CIFAR-10 file " + uris[file] + " at record " + (i - firstRecord[file])
                        + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return records() + " records in " + String.join(", ", names);
    }
}
