package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.SparkSetup;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;

/**
 * The Spark context of a job: the master and settings spark-submit passed (as system properties),
 * or, with none, an embedded {@code local[*]} so a job also runs as a plain {@code java -jar}.
 */
final class SparkContexts {

    private SparkContexts() {
    }

    static JavaSparkContext start(String appName, String master, List<String> confs) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (master != null) conf.setMaster(master);
        if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        for (String kv : confs) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--conf " + kv + ": expected key=value");
            conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        if (conf.get("spark.master").startsWith("local") && System.getenv("SPARK_LOCAL_IP") == null) {
            // local mode needs no network beyond loopback
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        SparkSetup.configure(conf);
        JavaSparkContext jsc = new JavaSparkContext(conf);
        jsc.setLogLevel(System.getProperty("sparkcnn.sparkLogLevel", "WARN"));
        return jsc;
    }
}
