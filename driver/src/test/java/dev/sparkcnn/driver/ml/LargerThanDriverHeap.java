package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.SparkSetup;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The driver of {@link CnnClassifierLargeDataTest}, run in its own JVM with a small heap on a
 * local-cluster (executors in JVMs of their own): generates N 3x64x64 images in the executors (as
 * Spark image structs), fits a CnnClassifier on them and prints what it saw. Arguments: N, the
 * executors' classpath.
 */
public final class LargerThanDriverHeap {

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        SparkConf conf = SparkSetup.configure(new SparkConf()
                .setMaster("local-cluster[2,1,1024]").setAppName("larger-than-driver-heap")
                .set("spark.executor.extraClassPath", args[1])
                .set("spark.ui.enabled", "false")
                // Spark refuses a driver heap below 450 MB unless told which size to plan with; the JVM's -Xmx is the real limit
                .set("spark.testing.memory", String.valueOf(512L << 20))
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            jsc.setLogLevel("ERROR");
            SparkSession spark = SparkSession.builder().sparkContext(jsc.sc()).getOrCreate();
            int parts = 8;
            List<Integer> ids = new ArrayList<>();
            for (int p = 0; p < parts; p++) ids.add(p);
            JavaRDD<Row> rows = jsc.parallelize(ids, parts).flatMap(p -> {
                List<Row> out = new ArrayList<>();
                for (int i = p; i < n; i += parts) {
                    SplittableRandom r = new SplittableRandom(i);
                    byte[] bgr = new byte[64 * 64 * 3];
                    int label = i % 10;
                    for (int k = 0; k < bgr.length; k++) bgr[k] = (byte) (r.nextInt(64) + 16 * label);
                    Row image = RowFactory.create("generated:" + i, 64, 64, 3, 16, bgr);
                    out.add(RowFactory.create(image, (double) label));
                }
                return out.iterator();
            });
            StructType schema = new StructType().add("image", ImageSchema.columnSchema()).add("label", DataTypes.DoubleType);
            Dataset<Row> df = spark.createDataFrame(rows, schema);
            String spec = String.join("\n", "input 3x64x64", "conv filters=2 size=4 stride=4", "relu", "maxpool size=4", "fc units=10");
            CnnClassifier cnn = new CnnClassifier().setModelSpec(spec).setFeaturesCol("image").setEpochs(1).setBatchSize(512)
                    .setPartitions(2).setTrainSettings("max.steps=3;data.shards=4");
            CnnClassificationModel model = cnn.fit(df);
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf("RESULT images=%d imageBytes=%d driverMaxHeap=%d classes=%d%n", n, (long) n * 64 * 64 * 3, maxHeap,
                    model.savedModel().network().outputShape().size());
        }
    }
}
