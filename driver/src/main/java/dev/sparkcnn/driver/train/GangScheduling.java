package dev.sparkcnn.driver.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The streaming exchange runs every partition's task for a whole epoch in one barrier stage, so it
 * needs all partitions' task slots at once. Spark would find that out itself, but only after retrying
 * its slot check for minutes (and dynamic allocation refuses barrier stages). This class decides,
 * before the first epoch and with the numbers, what {@code exchange = auto | stream | job} becomes on
 * this cluster: {@code auto} falls back to one job per step (saying why), an explicit {@code stream}
 * that cannot run is an error naming partitions and slots. It is the one slot check of the code base.
 */
public final class GangScheduling {

    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,.*\\]");

    private GangScheduling() {
    }

    /** What a run's exchange resolved to ({@code job} or {@code stream}) and why, in words for the log. */
    public record Resolution(String exchange, String reason) {
        public boolean stream() {
            return exchange.equals("stream");
        }

        @Override
        public String toString() {
            return exchange + " (" + reason + ")";
        }
    }

    /**
     * The refusal of dynamic allocation with an explicit {@code exchange = stream}, from the Spark settings
     * given to spark-submit ({@code key=value}), or null when the combination is fine ({@code auto} falls back).
     */
    public static String dynamicAllocationConflict(TrainConfig cfg, List<String> confs) {
        if (!"stream".equals(cfg.get("exchange"))) return null;
        SparkConf conf = new SparkConf(false);
        for (String kv : confs) {
            int eq = kv.indexOf('=');
            if (eq > 0) conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return conf.getBoolean("spark.dynamicAllocation.enabled", false) ? dynamicAllocationMessage() : null;
    }

    private static String dynamicAllocationMessage() {
        return "exchange = stream keeps all partitions' tasks running together for a whole epoch, which dynamic "
                + "allocation cannot guarantee (it starts with few executors and removes idle ones; Spark refuses barrier stages "
                + "with it): set "
                + "spark.dynamicAllocation.enabled=false with --num-executors N, or use exchange = auto or job";
    }

    /**
     * Resolves {@code cfg}'s exchange for {@code partitions} partitions on {@code jsc}: {@code job} stays
     * job; model averaging ({@code sync = average}) exchanges once per round through a job; otherwise the
     * cluster's task slots are counted (waiting up to {@code exchange.timeout} for executors still
     * registering) and {@code stream} is chosen when they cover every partition.
     *
     * @throws ConfigException for {@code exchange = stream} on a cluster that cannot run it
     */
    public static Resolution resolve(JavaSparkContext jsc, TrainConfig cfg, int partitions) {
        String asked = cfg.get("exchange");
        if (asked.equals("job")) return new Resolution("job", "exchange = job");
        if (cfg.get("sync").equals("average")) {
            return new Resolution("job", "exchange = " + asked + " with sync = average: the partitions' models are averaged "
                    + "through one Spark job per round");
        }
        if (jsc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            if (asked.equals("stream")) throw new ConfigException(dynamicAllocationMessage());
            return new Resolution("job", "exchange = auto: dynamic allocation is on, and barrier stages need a fixed set of "
                    + "executors");
        }
        Slots s = awaitSlots(jsc, partitions, cfg.getInt("exchange.timeout") * 1000L);
        if (s.slots >= partitions) {
            return new Resolution("stream", "exchange = " + asked + ": one barrier stage per epoch, " + partitions + " partition"
                    + (partitions == 1 ? "" : "s") + " on " + s.slots + " task slot" + (s.slots == 1 ? "" : "s"));
        }
        String shortfall = String.format(Locale.ROOT, "exchange = %s runs all %d partitions at once, but the cluster offers "
                        + "%d task slot%s: %s", asked, partitions, s.slots, s.slots == 1 ? "" : "s", s.how);
        if (asked.equals("auto")) return new Resolution("job", shortfall + "; one Spark job per step instead");
        throw new ConfigException(shortfall + ". Lower --partitions to " + Math.max(1, s.slots) + ", ask for more executors "
                + "or cores (--num-executors, --executor-cores), or use exchange = auto or job");
    }

    private record Slots(int slots, String how) {
    }

    /** How many executors a master will bring ({@code -1}: unknown) and how long to wait for them. */
    record Expectation(int executors, long waitMs) {
    }

    static Expectation expectation(String master, SparkConf conf, long timeoutMs) {
        int requested = conf.getInt("spark.executor.instances", -1);
        Matcher lc = LOCAL_CLUSTER.matcher(master);
        if (lc.matches()) requested = Integer.parseInt(lc.group(1));
        if (requested < 0 && master.startsWith("yarn")) requested = 2;   // Spark's default number of executors on YARN
        if (requested < 0) {
            // nothing says how many executors will come (a standalone master without spark.executor.instances): wait as
            // long as Spark's own scheduler waits for resources to register before it schedules, not the whole exchange.timeout
            return new Expectation(-1, Math.min(timeoutMs, conf.getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s")));
        }
        return new Expectation(requested, timeoutMs);
    }

    /**
     * The task slots the cluster offers (Spark's own count, the one its barrier check uses), waiting up
     * to {@code waitMs} while executors register. Stops waiting as soon as the slots suffice, or when
     * every requested executor has registered and they still fall short. Where no number of executors is
     * known (standalone without {@code spark.executor.instances}), waits at most Spark's
     * {@code spark.scheduler.maxRegisteredResourcesWaitingTime} (30 s by default).
     */
    private static Slots awaitSlots(JavaSparkContext jsc, int partitions, long waitMs) {
        SparkConf conf = jsc.getConf();
        String master = jsc.master();
        Matcher lc = LOCAL_CLUSTER.matcher(master);
        Expectation expected = expectation(master, conf, waitMs);
        int requested = expected.executors();
        waitMs = expected.waitMs();
        long start = System.currentTimeMillis();
        int slots;
        int executors;
        while (true) {
            slots = jsc.sc().maxNumConcurrentTasks(jsc.sc().resourceProfileManager().defaultResourceProfile());
            executors = Math.max(0, jsc.statusTracker().getExecutorInfos().length - 1);   // minus the driver
            boolean local = master.startsWith("local") && !lc.matches();
            if (slots >= partitions || local) break;
            if (requested > 0 && executors >= requested) break;   // all there, still too few
            if (System.currentTimeMillis() - start >= waitMs) break;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (master.startsWith("local") && !lc.matches()) return new Slots(slots, "master " + master);
        int perExecutor = executors == 0 ? 0 : slots / executors;
        return new Slots(slots, String.format(Locale.ROOT, "%d executor%s x %d slot%s (%s executors requested, %d registered after %.0f s)",
                executors, executors == 1 ? "" : "s", perExecutor, perExecutor == 1 ? "" : "s",
                requested > 0 ? String.valueOf(requested) : "no number of", executors, (System.currentTimeMillis() - start) / 1000.0));
    }
}
