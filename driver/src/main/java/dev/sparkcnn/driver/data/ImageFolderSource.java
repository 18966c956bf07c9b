package dev.sparkcnn.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * An image folder tree on any Hadoop FileSystem, the layout of torchvision's ImageFolder and Keras's
 * {@code image_dataset_from_directory}:
 * <pre>
 *   root/train/&lt;class&gt;/*.png|jpg|jpeg|bmp|gif
 *   root/test/&lt;class&gt;/...        (optional)
 * </pre>
 * Class names are the folder names of {@code train/}, sorted (label = position). The driver lists
 * the files (names only); tasks read and decode their shards ({@link ImageDecoder}) in parallel.
 * Records are the files in a seeded order (a permutation of the files sorted by class and name,
 * drawn from the run's seed), so shards and batch-norm groups mix the classes and the order is the
 * same in every run with the same seed, however the data is partitioned. Without {@code test/}, a
 * seeded {@code validation.fraction} of the files is held out as the test set.
 */
public final class ImageFolderSource implements ImageSource {
    private static final long serialVersionUID = 1L;

    private static final String EXTENSIONS = ".*\\.(png|jpe?g|bmp|gif)$";

    private final String description;
    private final String[] files;
    private final byte[] labels;
    private final List<String> classNames;
    private final boolean skipUnreadable;

    private ImageFolderSource(String description, String[] files, byte[] labels, List<String> classNames, boolean skipUnreadable) {
        this.description = description;
        this.files = files;
        this.labels = labels;
        this.classNames = classNames;
        this.skipUnreadable = skipUnreadable;
    }

    /** Whether {@code location} looks like an image folder tree: a directory with a {@code train/} directory. */
    public static boolean isFolderTree(String location, Configuration conf) {
        try {
            Path train = new Path(location, "train");
            FileSystem fs = train.getFileSystem(conf);
            return fs.exists(train) && fs.getFileStatus(train).isDirectory();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The training and test sets of a folder tree: test from {@code test/}, else a seeded held-out split. */
    public record Split(ImageFolderSource train, ImageFolderSource test) {
    }

    /**
     * Lists {@code root}: {@code train/<class>/} (at least two classes, none empty) and, if present,
     * {@code test/<class>/} (only classes {@code train/} has). With no {@code test/} and
     * {@code validationFraction > 0}, that fraction of the (seed-shuffled) files is the test set.
     */
    public static Split resolve(String root, Configuration conf, long seed, double validationFraction, boolean skipUnreadable) {
        try {
            Path rootPath = new Path(root), trainDir = new Path(rootPath, "train"), testDir = new Path(rootPath, "test");
            FileSystem fs = rootPath.getFileSystem(conf);
            if (!fs.exists(trainDir) || !fs.getFileStatus(trainDir).isDirectory()) {
                throw new DataException("image folder " + root + " has no train/ directory: expected " + root + "/train/<class>/*.png|jpg");
            }
            List<String> classes = new ArrayList<>();
            for (FileStatus s : fs.listStatus(trainDir)) if (s.isDirectory()) classes.add(s.getPath().getName());
            classes.sort(null);
            if (classes.size() < 2) {
                throw new DataException("image folder " + trainDir + " has " + classes.size() + " class folder" + (classes.size() == 1 ? " ("
                        + classes.get(0) + ")" : "s") + ": a classifier needs at least two classes, one folder each (train/<class>/*.png)");
            }
            if (classes.size() > dev.sparkcnn.kernels.data.CifarBlock.MAX_CLASSES) {
                throw new DataException("image folder " + trainDir + " has " + classes.size() + " class folders, more than the "
                        + dev.sparkcnn.kernels.data.CifarBlock.MAX_CLASSES + " supported");
            }
            List<String[]> train = list(fs, trainDir, classes, true);
            String description = root + " (" + classes.size() + " classes)";
            boolean hasTest = fs.exists(testDir) && fs.getFileStatus(testDir).isDirectory();
            if (hasTest) {
                for (FileStatus s : fs.listStatus(testDir)) {
                    if (s.isDirectory() && !classes.contains(s.getPath().getName())) {
                        throw new DataException("test class folder " + s.getPath() + " has no counterpart in " + trainDir
                                + " (classes there: " + String.join(", ", classes) + "): the model could never predict it");
                    }
                }
                List<String[]> test = list(fs, testDir, classes, false);
                return new Split(of(description + " train/", train, classes, seed, skipUnreadable),
                        test.isEmpty() ? null : of(description + " test/", test, classes, seed, skipUnreadable));
            }
            ImageFolderSource all = of(description + " train/", train, classes, seed, skipUnreadable);
            if (!(validationFraction > 0)) return new Split(all, null);
            if (validationFraction >= 1) throw new DataException("validation.fraction = " + validationFraction + ": expected [0, 1)");
            int held = (int) Math.round(all.files.length * validationFraction);
            if (held == 0 || held == all.files.length) {
                throw new DataException("validation.fraction = " + validationFraction + " of " + all.files.length + " images holds out "
                        + held + ": use a fraction that leaves images on both sides");
            }
            int keep = all.files.length - held;
            return new Split(all.range(0, keep, "train/ minus the validation split"),
                    all.range(keep, all.files.length, "validation split (" + held + " images of train/)"));
        } catch (IOException e) {
            throw new DataException("cannot list image folder " + root + ": " + e.getMessage(), e);
        }
    }

    /** (path, class index) of every image under dir/<class>/, classes in order, files by name. */
    private static List<String[]> list(FileSystem fs, Path dir, List<String> classes, boolean requireEveryClass) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            Path classDir = new Path(dir, classes.get(k));
            if (!fs.exists(classDir)) continue;   // test/ may lack a class
            List<String> names = new ArrayList<>();
            for (FileStatus s : fs.listStatus(classDir)) {
                if (s.isFile() && s.getPath().getName().toLowerCase(Locale.ROOT).matches(EXTENSIONS)) names.add(s.getPath().toString());
            }
            if (names.isEmpty() && requireEveryClass) {
                throw new DataException("class folder " + classDir + " holds no images (.png, .jpg, .jpeg, .bmp, .gif): "
                        + "add its images or remove the folder");
            }
            names.sort(null);
            for (String n : names) out.add(new String[] {n, Integer.toString(k)});
        }
        return out;
    }

    private static ImageFolderSource of(String description, List<String[]> entries, List<String> classes, long seed, boolean skip) {
        int n = entries.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0xF01DE5L));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        String[] files = new String[n];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            files[i] = entries.get(order[i])[0];
            labels[i] = (byte) Integer.parseInt(entries.get(order[i])[1]);
        }
        return new ImageFolderSource(description, files, labels, List.copyOf(classes), skip);
    }

    private ImageFolderSource range(int from, int to, String what) {
        return new ImageFolderSource(description.replace("train/", what), Arrays.copyOfRange(files, from, to),
                Arrays.copyOfRange(labels, from, to), classNames, skipUnreadable);
    }

    @Override
    public long records() {
        return files.length;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public String description() {
        return description;
    }

    /** The file of record i (for messages and tests). */
    public String file(long i) {
        return files[(int) i];
    }

    public int label(long i) {
        return labels[(int) i] & 0xff;
    }

    @Override
    public int read(long from, long to, ImageDecoder decoder, byte[] outLabels, byte[] pixels, long[] skipped, Configuration conf) {
        int out = 0, size = decoder.imageBytes();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 16);
        for (long i = from; i < to; i++) {
            String file = files[(int) i];
            Path p = new Path(file);
            buffer.reset();
            try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
                IOUtils.copyBytes(in, buffer, 1 << 16, false);
            } catch (IOException e) {
                throw new DataException("cannot read image " + file + ": " + e.getMessage(), e);
            }
            try {
                decoder.decode(buffer.toByteArray(), "image " + file, pixels, out * size);
            } catch (ImageDecoder.UnreadableImageException e) {
                if (!skipUnreadable) {
                    throw new DataException(e.getMessage() + " (set data.skip.unreadable = true to skip such files and count them)", e);
                }
                skipped[0]++;
                continue;
            }
            outLabels[out++] = labels[(int) i];
        }
        return out;
    }

    @Override
    public String toString() {
        return files.length + " images in " + description;
    }
}
