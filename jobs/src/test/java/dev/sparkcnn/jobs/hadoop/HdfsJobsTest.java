package dev.sparkcnn.jobs.hadoop;

import dev.sparkcnn.driver.ml.CnnClassificationModel;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.jobs.JobsTest;
import dev.sparkcnn.kernels.data.TestCifar;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;

import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.CONFIG;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.DATA;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.assertSameParameters;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.existsHdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.hdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.readHdfs;
import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jobs against a real HDFS (the test cluster's NameNode and DataNode), with hdfs:// URIs for
 * everything: CIFAR files in, the run directory out, --resume from it, evaluate and predict from
 * the model there, Spark ML persistence there. Spark runs in local[2] in this JVM: the file system,
 * not the cluster manager, is what is tested here.
 */
@ExtendWith(HadoopTestCluster.class)
class HdfsJobsTest {

    @Test
    void trainStopResumeEvaluateAndPredictWithEverythingOnHdfs(@TempDir java.nio.file.Path local) throws Exception {
        String run = hdfs("/runs/hdfs-train");
        java.nio.file.Path ref = reference();
        // epoch 1 of 2, then stop (max.steps = one epoch's 19 steps; the schedule still spans both epochs)
        String[] r = JobsTest.run("train", "--config", CONFIG, "--data", hdfs(DATA), "--out", run, "--master", "local[2]",
                "--partitions", "2", "--set", "max.steps=19");
        assertEquals("0", r[0], r[2]);
        for (String f : List.of("config.conf", "metrics.jsonl", "checkpoints/ckpt-00000019.scnn", "model.scnn", "summary.json", "report.html")) {
            assertTrue(existsHdfs(run + "/" + f), f + " on HDFS");
        }
        assertTrue(readHdfs(run + "/report.html").contains("<svg"), "the report on HDFS has its charts");
        // the run's epoch-1 parameters are the reference's epoch-1 checkpoint, bit for bit
        assertSameParameters(ref.resolve("checkpoints/ckpt-00000019.scnn").toUri().toString(), run + "/model.scnn");

        // --resume from the HDFS checkpoint continues exactly: epoch 2 ends on the reference's final parameters. Only
        // what may change is given: the training settings come from the checkpoint on HDFS.
        r = JobsTest.run("train", "--data", hdfs(DATA), "--out", run, "--master", "local[2]",
                "--partitions", "2", "--set", "max.steps=0", "--resume");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("resumed at step 19"), r[1]);
        assertSameParameters(ref.resolve("model.scnn").toUri().toString(), run + "/model.scnn");
        String metrics = readHdfs(run + "/metrics.jsonl");
        assertTrue(metrics.contains("\"type\":\"epoch\",\"epoch\":2"), "metrics.jsonl on HDFS goes on with epoch 2:\n" + metrics);

        // evaluate the HDFS model on the HDFS test set, eval.json to HDFS: the reference run's final test accuracy
        r = JobsTest.run("evaluate", "--model-file", run, "--data", hdfs(DATA), "--out", run + "/eval.json", "--master", "local[2]");
        assertEquals("0", r[0], r[2]);
        String refSummary = Files.readString(ref.resolve("summary.json"));
        String accuracy = refSummary.replaceAll("(?s).*\"test_accuracy\":([0-9.Ee-]+).*", "$1");
        assertTrue(readHdfs(run + "/eval.json").contains("\"accuracy\":" + accuracy), "eval.json has the reference's accuracy " + accuracy);

        // predict from the HDFS model to an HDFS CSV: the same lines as from the local reference model
        r = JobsTest.run("predict", "--model-file", run + "/model.scnn", "--input", hdfs(DATA) + "/test_batch.bin", "--out", run + "/pred.csv");
        assertEquals("0", r[0], r[2]);
        java.nio.file.Path localCsv = local.resolve("pred.csv");
        r = JobsTest.run("predict", "--model-file", ref.resolve("model.scnn").toString(), "--input",
                TestCifar.subset(HadoopTestCluster.PER_CLASS).resolve("test_batch.bin").toString(), "--out", localCsv.toString());
        assertEquals("0", r[0], r[2]);
        String csv = readHdfs(run + "/pred.csv");
        assertEquals(601, csv.split("\n").length);
        assertEquals(Files.readString(localCsv), csv);
    }

    @Test
    void anImageFolderOnHdfsTrainsBitwiseAsTheSameFolderOnLocalDisk(@TempDir java.nio.file.Path local) throws Exception {
        java.nio.file.Path tree = dev.sparkcnn.kernels.data.TestImageFolders.build(
                java.nio.file.Path.of("target", "test-data", "folder-3class-10"), 10, true);
        String folder = hdfs("/data/folder-3class");
        org.apache.hadoop.fs.FileSystem fs = new Path(folder).getFileSystem(HadoopTestCluster.conf());
        fs.copyFromLocalFile(false, true, new Path(tree.toAbsolutePath().toUri()), new Path(folder));
        java.nio.file.Path spec = local.resolve("tiny64.model");
        Files.writeString(spec, "input 3x64x64\nconv filters=4 size=3 pad=1 stride=2 round=floor\nrelu\nmaxpool size=4\nfc units=3\n");
        String[] common = {"--model", spec.toString(), "--epochs", "2", "--batch-size", "10", "--master", "local[2]", "--partitions", "2",
                "--set", "data.shards=2", "--set", "augment=true"};
        String run = hdfs("/runs/folder");
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", folder, "--out", run));
        args.addAll(List.of(common));
        String[] r = JobsTest.run(args.toArray(new String[0]));
        assertEquals("0", r[0], r[2]);
        assertTrue(readHdfs(run + "/summary.json").contains("\"classes\":[\"airplane\",\"cat\",\"ship\"]"), readHdfs(run + "/summary.json"));
        java.nio.file.Path localRun = local.resolve("run");
        args = new java.util.ArrayList<>(List.of("train", "--data", tree.toString(), "--out", localRun.toString()));
        args.addAll(List.of(common));
        r = JobsTest.run(args.toArray(new String[0]));
        assertEquals("0", r[0], r[2]);
        assertSameParameters(localRun.resolve("model.scnn").toUri().toString(), run + "/model.scnn");
    }

    @Test
    void sparkMlModelSavesAndLoadsOnHdfs() {
        SavedModel saved = SavedModel.load(reference().resolve("model.scnn").toUri().toString(), HadoopTestCluster.conf());
        String path = hdfs("/models/cnn-ml");
        SparkSession spark = SparkSession.builder().master("local[1]").appName("hdfs-ml").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            CnnClassificationModel model = new CnnClassificationModel("cnn-hdfs", saved).setFeaturesCol("image");
            model.write().overwrite().save(path);
            CnnClassificationModel back = CnnClassificationModel.load(path);
            assertEquals("image", back.getFeaturesCol());
            assertArrayEquals(saved.params(), back.savedModel().params(), 0f);
            assertArrayEquals(saved.state(), back.savedModel().state(), 0f);
            assertTrue(HadoopTestCluster.existsHdfs(new Path(path, "metadata").toString()), "Spark ML metadata on HDFS");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            spark.stop();
        }
    }
}
