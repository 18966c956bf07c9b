package dev.sparkcnn.driver.data;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad data is refused before training, naming the file (and record). */
class CifarDataValidationTest {

    private static final Configuration CONF = new Configuration();

    private static void write(Path file, int records, int badRecord, int badLabel) throws Exception {
        byte[] data = new byte[records * CifarRecords.RECORD_BYTES];
        for (int i = 0; i < records; i++) {
            data[i * CifarRecords.RECORD_BYTES] = (byte) (i == badRecord ? badLabel : i % 10);
            for (int p = 1; p < CifarRecords.RECORD_BYTES; p++) data[i * CifarRecords.RECORD_BYTES + p] = (byte) (p * 7 + i);
        }
        Files.write(file, data);
    }

    @Test
    void missingDirectoryAndEmptyGlob(@TempDir Path dir) {
        String m = assertThrows(DataException.class,
                () -> CifarFiles.resolve(dir.resolve("nope").toString(), CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("nope") && m.contains("does not exist"), m);
        m = assertThrows(DataException.class,
                () -> CifarFiles.resolve(dir.resolve("data_batch_*.bin").toString(), CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("no files match"), m);
        m = assertThrows(DataException.class, () -> CifarFiles.resolve(dir.toString(), CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("no CIFAR-10 files in"), m);
    }

    @Test
    void aDirectoryMustHoldEveryStandardFileAndNeverLendsItsTestSet(@TempDir Path dir) throws Exception {
        // only the test set: it used to become the training set (every *.bin), while also being the test set
        write(dir.resolve("test_batch.bin"), 3, -1, 0);
        write(dir.resolve("extra.bin"), 3, -1, 0);
        String m = assertThrows(DataException.class, () -> CifarFiles.resolve(dir.toString(), CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("no CIFAR-10 files in " + dir) && m.contains("data_batch_1.bin") && m.contains("extra.bin, test_batch.bin")
                && m.contains("glob"), m);
        // some standard files missing: refused by name, never a smaller training set
        write(dir.resolve("data_batch_1.bin"), 3, -1, 0);
        write(dir.resolve("data_batch_3.bin"), 3, -1, 0);
        m = assertThrows(DataException.class, () -> CifarFiles.resolve(dir.toString(), CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("lacks data_batch_2.bin, data_batch_4.bin, data_batch_5.bin")
                && m.contains("it has data_batch_1.bin, data_batch_3.bin"), m);
        // a glob that takes in the test set, or training and test data that share a file, are refused
        CifarFiles all = CifarFiles.resolve(dir + "/*.bin", CifarRecords.TRAIN_FILES, CONF);
        m = assertThrows(DataException.class, () -> all.checkTrainingSet(null)).getMessage();
        assertTrue(m.contains("test_batch.bin") && m.contains("leak"), m);
        CifarFiles train = CifarFiles.resolve(dir + "/data_batch_*.bin", CifarRecords.TRAIN_FILES, CONF);
        CifarFiles test = CifarFiles.resolve(dir.resolve("data_batch_3.bin").toString(), List.of(CifarRecords.TEST_FILE), CONF);
        m = assertThrows(DataException.class, () -> train.checkTrainingSet(test)).getMessage();
        assertTrue(m.contains("data_batch_3.bin is both in the training data"), m);
        train.checkTrainingSet(CifarFiles.resolve(dir.resolve("test_batch.bin").toString(), List.of(), CONF));
    }

    @Test
    void truncatedFileIsNamedWithItsSize(@TempDir Path dir) throws Exception {
        write(dir.resolve("data_batch_1.bin"), 5, -1, 0);
        Path bad = dir.resolve("data_batch_2.bin");
        write(bad, 5, -1, 0);
        byte[] cut = Files.readAllBytes(bad);
        Files.write(bad, java.util.Arrays.copyOf(cut, cut.length - 100));
        String m = assertThrows(DataException.class, () -> CifarFiles.resolve(dir + "/data_batch_*.bin", CifarRecords.TRAIN_FILES, CONF)).getMessage();
        assertTrue(m.contains("data_batch_2.bin") && m.contains((5 * 3073 - 100) + " bytes") && m.contains("not a multiple of the 3073"), m);
    }

    @Test
    void globsResolveInNameOrder(@TempDir Path dir) throws Exception {
        write(dir.resolve("data_batch_2.bin"), 3, -1, 0);
        write(dir.resolve("data_batch_1.bin"), 2, -1, 0);
        write(dir.resolve("test_batch.bin"), 4, -1, 0);
        CifarFiles files = CifarFiles.resolve("file://" + dir + "/data_batch_*.bin", CifarRecords.TRAIN_FILES, CONF);
        assertEquals(5, files.records());
        assertTrue(files.uris().get(0).endsWith("data_batch_1.bin"));
        assertEquals(5, CifarFiles.resolve(dir + "/data_batch_[12].bin", CifarRecords.TRAIN_FILES, CONF).records());
        byte[] labels = new byte[3], pixels = new byte[3 * 3072];
        files.read(1, 4, labels, pixels, CONF);   // last record of file 1, first two of file 2
        assertEquals(1, labels[0]);
        assertEquals(0, labels[1]);
        assertEquals(1, labels[2]);
    }

    @Test
    void labelOutOfRangeIsReportedWithFileAndRecordBeforeTraining(@TempDir Path dir) throws Exception {
        write(dir.resolve("data_batch_1.bin"), 10, -1, 0);
        write(dir.resolve("data_batch_2.bin"), 10, 7, 12);
        CifarFiles files = CifarFiles.resolve(dir + "/data_batch_*.bin", CifarRecords.TRAIN_FILES, CONF);
        TrainConfig cfg = TrainConfig.builder().set("data.shards", 4).build();
        String spec = dev.sparkcnn.kernels.spec.ModelSpec.resolve("lenet5").text();
        DataException e = assertThrows(DataException.class,
                () -> new SparkGradientSource(SparkTestContext.get(), files, null, cfg, spec, 2));
        assertTrue(e.getMessage().contains("data_batch_2.bin") && e.getMessage().contains("record 7")
                && e.getMessage().contains("label 12"), e.getMessage());
    }

    @Test
    void normalisationIsTheSameForAnyPartitioning() {
        CifarFiles files = CifarFiles.resolve(TestCifar.subset(10).toString(), CifarRecords.TRAIN_FILES, CONF);
        TrainConfig cfg = TrainConfig.builder().set("data.shards", 4).build();
        String spec = dev.sparkcnn.kernels.spec.ModelSpec.resolve("lenet5").text();
        Normalization a, b;
        try (SparkGradientSource one = new SparkGradientSource(SparkTestContext.get(), files, null, cfg, spec, 1);
             SparkGradientSource four = new SparkGradientSource(SparkTestContext.get(), files, null, cfg, spec, 4)) {
            a = one.normalization();
            b = four.normalization();
        }
        assertEquals(List.of(a.mean()[0], a.mean()[1], a.std()[2]), List.of(b.mean()[0], b.mean()[1], b.std()[2]));
        assertTrue(a.mean()[0] > 0.3 && a.mean()[0] < 0.7, a.toString());
    }
}
