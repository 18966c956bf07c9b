package dev.sparkcnn.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One Spark context for the whole test JVM (starting one costs 1-2 s): local[4,2], i.e. four
 * task slots and one retry per task, which the failure-injection test relies on.
 */
public final class SparkTestContext {

    private static JavaSparkContext jsc;

    private SparkTestContext() {
    }

    public static synchronized JavaSparkContext get() {
        if (jsc == null) {
            SparkConf conf = SparkSetup.configure(new SparkConf()
                    .setMaster("local[4,2]")
                    .setAppName("spark-cnn-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1"));
            jsc = new JavaSparkContext(conf);
            jsc.setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(jsc::stop));
        }
        return jsc;
    }

    /** Stops the shared context, for a test that needs a context of its own (one per JVM); the next get() starts a new one. */
    public static synchronized void stop() {
        if (jsc != null) jsc.stop();
        jsc = null;
    }
}
