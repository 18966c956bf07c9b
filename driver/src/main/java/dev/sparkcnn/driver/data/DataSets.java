package dev.sparkcnn.driver.data;

import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Which kind of data is at a path, and its training and test sets. {@code data.format = auto}
 * decides by what is there:
 * <ul>
 *   <li>a directory with a {@code train/} directory: an image folder tree ({@link ImageFolderSource});</li>
 *   <li>a {@code .parquet} file, or a directory of them (as Spark writes it): a table (read with Spark);</li>
 *   <li>a directory with {@code train.bin} and none of CIFAR-10's names: CIFAR-100 binary ({@code data.label = fine|coarse});</li>
 *   <li>anything else: CIFAR-10 binary (a directory with data_batch_1..5.bin, a file or a glob).</li>
 * </ul>
 */
public record DataSets(String format, ImageSource train, ImageSource test) {

    /** The format {@code data.format} names, or the one found at {@code data}. */
    public static String format(String data, TrainConfig cfg, Configuration conf) {
        String f = cfg.get("data.format");
        if (!f.equals("auto")) return f;
        try {
            Path p = new Path(data);
            FileSystem fs = p.getFileSystem(conf);
            if (data.toLowerCase(Locale.ROOT).endsWith(".parquet")) return "parquet";
            if (!fs.exists(p) || !fs.getFileStatus(p).isDirectory()) return "cifar10";
            if (ImageFolderSource.isFolderTree(data, conf)) return "folder";
            boolean cifar10Names = fs.exists(new Path(p, CifarRecords.TEST_FILE));
            for (String name : CifarRecords.TRAIN_FILES) cifar10Names |= fs.exists(new Path(p, name));
            if (fs.exists(new Path(p, "train.bin")) && !cifar10Names) return "cifar100";
            for (FileStatus s : fs.listStatus(p)) {
                if (s.isFile() && s.getPath().getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) return "parquet";
            }
            return "cifar10";
        } catch (IOException | IllegalArgumentException e) {
            return "cifar10";
        }
    }

    /**
     * The file-based sources (cifar10, cifar100, folder) at {@code data}; {@code testData} (may be null)
     * names the test set, else the standard one next to the data (test_batch.bin, test.bin, test/, or
     * a {@code validation.fraction} split of a folder). Parquet is not resolved here (it needs Spark).
     */
    public static DataSets resolve(String format, String data, String testData, TrainConfig cfg, Configuration conf) {
        switch (format) {
            case "folder": {
                if (testData != null) {
                    throw new DataException("--test-data is not used with an image folder: put the test images in " + data + "/test/<class>/");
                }
                ImageFolderSource.Split split = ImageFolderSource.resolve(data, conf, cfg.seed(), cfg.getDouble("validation.fraction"),
                        cfg.get("data.skip.unreadable").equals("true"));
                return new DataSets(format, split.train(), split.test());
            }
            case "cifar100": {
                CifarFiles.Layout layout = cfg.get("data.label").equals("coarse") ? CifarFiles.Layout.CIFAR100_COARSE
                        : CifarFiles.Layout.CIFAR100_FINE;
                CifarFiles train = CifarFiles.resolve(data, CifarFiles.CIFAR100_TRAIN, conf, layout);
                CifarFiles test = testFiles(data, testData, CifarFiles.CIFAR100_TEST, layout, conf);
                train.checkTrainingSet(test);
                return new DataSets(format, train, test);
            }
            case "cifar10": {
                CifarFiles train = CifarFiles.resolve(data, CifarRecords.TRAIN_FILES, conf);
                CifarFiles test = testFiles(data, testData, CifarRecords.TEST_FILE, CifarFiles.Layout.CIFAR10, conf);
                train.checkTrainingSet(test);
                return new DataSets(format, train, test);
            }
            default:
                throw new IllegalArgumentException("data.format " + format + " is not a file-based source");
        }
    }

    private static CifarFiles testFiles(String data, String testData, String testName, CifarFiles.Layout layout, Configuration conf) {
        try {
            if (testData != null) return CifarFiles.resolve(testData, List.of(testName), conf, layout);
            Path candidate = new Path(data, testName);
            FileSystem fs = candidate.getFileSystem(conf);
            boolean glob = data.contains("*") || data.contains("?");
            if (!glob && fs.exists(new Path(data)) && fs.getFileStatus(new Path(data)).isDirectory() && fs.exists(candidate)) {
                return CifarFiles.resolve(candidate.toString(), List.of(), conf, layout);
            }
            return null;
        } catch (IOException e) {
            throw new DataException("cannot look for the test set next to " + data + ": " + e.getMessage(), e);
        }
    }
}
