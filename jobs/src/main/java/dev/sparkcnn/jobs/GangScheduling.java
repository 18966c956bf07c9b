package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.train.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;
import java.util.Locale;

/**
 * Exchanges that keep every partition's task running for a whole epoch (today {@code exchange = stream};
 * the gang-scheduled barrier stage when it lands) need all partitions' task slots at once. A cluster
 * with fewer slots would leave the driver waiting for tasks that can never start, and dynamic
 * allocation may take executors away mid-epoch. Both are found out here, with the numbers, before
 * the first epoch starts. {@code exchange = job} (one Spark job per step) needs neither.
 */
final class GangScheduling {

    private GangScheduling() {
    }

    /** True when {@code cfg}'s exchange runs all partitions at once. */
    static boolean needed(TrainConfig cfg) {
        return !"job".equalsIgnoreCase(cfg.get("exchange"));
    }

    /** The refusal of dynamic allocation with a gang-scheduled exchange, or null when the combination is fine. */
    static String dynamicAllocationConflict(TrainConfig cfg, List<String> confs) {
        if (!needed(cfg)) return null;
        SparkConf conf = new SparkConf();   // what spark-submit set
        for (String kv : confs) {
            int eq = kv.indexOf('=');
            if (eq > 0) conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        if (!conf.getBoolean("spark.dynamicAllocation.enabled", false)) return null;
        return "exchange = " + cfg.get("exchange") + " keeps all partitions' tasks running together for a whole epoch, which "
                + "dynamic allocation cannot guarantee (it starts with few executors and removes idle ones): set "
                + "spark.dynamicAllocation.enabled=false with --num-executors N, or use exchange = job";
    }

    /**
     * Waits until the cluster offers {@code partitions} task slots (registered executors x task slots
     * per executor). Fails with the numbers as soon as every requested executor has registered and
     * the slots still fall short, or when the deadline passes first (YARN may not grant the
     * containers): {@code spark.scheduler.maxRegisteredResourcesWaitingTime} when set, else 120 s, since
     * a first application's containers unpack Spark's jars before they start. Local masters have
     * their slots from the start.
     */
    static void awaitSlots(JavaSparkContext jsc, int partitions, String exchange) {
        if (jsc.master().startsWith("local")) return;
        SparkConf conf = jsc.getConf();
        long waitMs = conf.getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s");
        int perExecutor = Math.max(1, conf.getInt("spark.executor.cores", 1) / Math.max(1, conf.getInt("spark.task.cpus", 1)));
        int requested = conf.getInt("spark.executor.instances", -1);
        long start = System.currentTimeMillis();
        int executors;
        while (true) {
            executors = Math.max(0, jsc.statusTracker().getExecutorInfos().length - 1);   // minus the driver
            if (executors * perExecutor >= partitions) return;
            if (requested > 0 && executors >= requested) break;   // all there, still too few
            if (System.currentTimeMillis() - start >= waitMs) break;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int slots = executors * perExecutor;
        throw new IllegalStateException(String.format(Locale.ROOT, "exchange = %s runs all %d partitions at once, but the cluster "
                        + "offers %d task slot%s: %d executor%s x %d slot%s (%s executors requested, %d registered after %.0f s). "
                        + "Lower --partitions to %d, ask for more executors or cores (--num-executors, --executor-cores), or use exchange = job",
                exchange, partitions, slots, slots == 1 ? "" : "s", executors, executors == 1 ? "" : "s", perExecutor,
                perExecutor == 1 ? "" : "s", requested > 0 ? String.valueOf(requested) : "no number of", executors,
                (System.currentTimeMillis() - start) / 1000.0, Math.max(1, slots)));
    }
}
