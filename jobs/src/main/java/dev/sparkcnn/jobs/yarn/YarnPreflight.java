package dev.sparkcnn.jobs.yarn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.QueueInfo;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What can be known to fail before an application is submitted to YARN, asked of the
 * ResourceManager once: the queue exists, and the ApplicationMaster and the executors fit in the
 * largest container the cluster allows (memory with Spark's overhead, and vcores). Without this,
 * an unknown queue surfaces as "the application has already ended" and an executor that cannot be
 * placed as a run that waits for executors forever. Every failure names the flag, the numbers and
 * the cluster's limit.
 */
public final class YarnPreflight {

    /** Spark's default container overhead: max(384 MB, 10% of the heap) unless memoryOverhead is set. */
    static final long MIN_OVERHEAD_MB = 384;
    static final double OVERHEAD_FACTOR = 0.10;

    private YarnPreflight() {
    }

    /** A request that cannot be met; its message says why and what to change. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** Checks {@code spark} (as spark-submit would resolve it) against the cluster of {@code hadoop}. */
    public static void check(SparkConf spark, Configuration hadoop) {
        YarnConfiguration conf = new YarnConfiguration(hadoop);
        // a ResourceManager that is down must not make the launcher wait the default 15 minutes
        conf.setLong(YarnConfiguration.RESOURCEMANAGER_CONNECT_MAX_WAIT_MS, 30_000);
        conf.setLong(YarnConfiguration.RESOURCEMANAGER_CONNECT_RETRY_INTERVAL_MS, 1_000);
        YarnClient yarn = YarnClient.createYarnClient();
        yarn.init(conf);
        yarn.start();
        try {
            checkQueue(yarn, spark.get("spark.yarn.queue", "default"));
            Resource max = yarn.createApplication().getNewApplicationResponse().getMaximumResourceCapability();
            boolean cluster = "cluster".equals(spark.get("spark.submit.deployMode", "client"));
            checkContainer(cluster ? "the driver (ApplicationMaster in cluster mode)" : "the ApplicationMaster",
                    cluster ? "--driver-memory" : "spark.yarn.am.memory",
                    cluster ? spark.get("spark.driver.memory", "1g") : spark.get("spark.yarn.am.memory", "512m"),
                    spark.getOption(cluster ? "spark.driver.memoryOverhead" : "spark.yarn.am.memoryOverhead"),
                    cluster ? "--driver-cores" : "spark.yarn.am.cores",
                    Integer.parseInt(cluster ? spark.get("spark.driver.cores", "1") : spark.get("spark.yarn.am.cores", "1")), max);
            checkContainer("each executor", "--executor-memory", spark.get("spark.executor.memory", "1g"),
                    spark.getOption("spark.executor.memoryOverhead"), "--executor-cores",
                    Integer.parseInt(spark.get("spark.executor.cores", "1")), max);
        } catch (IOException | YarnException e) {
            throw new Refused("cannot ask the YARN ResourceManager at " + conf.get(YarnConfiguration.RM_ADDRESS)
                    + " about the cluster: " + e.getMessage() + " (is HADOOP_CONF_DIR the configuration of a running cluster?)");
        } finally {
            yarn.stop();
        }
    }

    private static void checkQueue(YarnClient yarn, String queue) throws IOException, YarnException {
        QueueInfo info;
        try {
            info = yarn.getQueueInfo(queue);
        } catch (IOException | YarnException e) {
            // the CapacityScheduler answers an unknown queue with an error, others with null
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("queue")) throw e;
            info = null;
        }
        if (info != null) return;
        List<String> known = new ArrayList<>();
        for (QueueInfo q : yarn.getAllQueues()) known.add(q.getQueueName());
        throw new Refused("--queue " + queue + ": YARN has no such queue; its queues are " + String.join(", ", known));
    }

    private static void checkContainer(String who, String memoryFlag, String memory, scala.Option<String> overhead,
                                       String coresFlag, int cores, Resource max) {
        long heapMb = JavaUtils.byteStringAsMb(memory);
        long overheadMb = overhead.isDefined() ? JavaUtils.byteStringAsMb(overhead.get())
                : Math.max(MIN_OVERHEAD_MB, (long) (OVERHEAD_FACTOR * heapMb));
        long maxMb = max.getMemorySize();
        if (heapMb + overheadMb > maxMb) {
            long fits = overhead.isDefined() ? maxMb - overheadMb : Math.min(maxMb - MIN_OVERHEAD_MB, (long) (maxMb / (1 + OVERHEAD_FACTOR)));
            throw new Refused(String.format(Locale.ROOT, "%s %s: %s needs a YARN container of %d MB (%d MB heap + %d MB overhead), "
                            + "larger than the largest container this cluster allows, %d MB (yarn.scheduler.maximum-allocation-mb); "
                            + "use at most %dm", memoryFlag, memory, who, heapMb + overheadMb, heapMb, overheadMb, maxMb, fits));
        }
        if (cores > max.getVirtualCores()) {
            throw new Refused(String.format(Locale.ROOT, "%s %d: %s would need %d vcores per container, more than the largest "
                    + "container this cluster allows, %d (yarn.scheduler.maximum-allocation-vcores)", coresFlag, cores, who, cores,
                    max.getVirtualCores()));
        }
    }
}
