package dev.sparkcnn.driver.bench;

import dev.sparkcnn.driver.SparkSetup;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spark-side figures of synchronous training, measured in one JVM, one configuration after the
 * other (never two at once):
 * <ol>
 *   <li>scaling: training images/s in local[1] (1 partition) and local[2] (2 partitions) at global batch 128 and 256;</li>
 *   <li>per-step time per phase of each of those runs: parameters out
 *       (broadcast + fetch), compute (slowest partition), aggregate (the rest of the job:
 *       scheduling, result transfer, merge), update (optimizer on the driver).</li>
 * </ol>
 * <pre>
 *   java [module flags] -cp ... dev.sparkcnn.driver.bench.DriverBenchmark DATA_DIR [model] [steps] [exchanges, e.g. job,stream]
 * </pre>
 */
public final class DriverBenchmark {

    public static void main(String[] args) {
        String data = args[0];
        String model = args.length > 1 ? args[1] : "cifar-quick";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        CifarFiles train = CifarFiles.resolve(data, CifarRecords.TRAIN_FILES, new org.apache.hadoop.conf.Configuration());
        System.out.printf(Locale.ROOT, "%s, %s, %d timed steps after 5 warm-up steps%n", model, train, steps);

        String[] exchanges = args.length > 3 ? args[3].split(",") : new String[] {"job", "stream"};
        for (String exchange : exchanges) for (int batch : new int[] {128, 256}) {
            List<Map<String, Object>> ones = new ArrayList<>(), twos = new ArrayList<>();
            double one = run("local[1]", 1, model, train, batch, steps, exchange, ones);
            double two = run("local[2]", 2, model, train, batch, steps, exchange, twos);
            System.out.printf(Locale.ROOT, "exchange=%s scaling at batch %d: local[1] %.1f img/s, local[2] %.1f img/s: %.1f%% of twice local[1]%n",
                    exchange, batch, one, two, 100 * two / (2 * one));
            for (List<Map<String, Object>> records : List.of(ones, twos)) {
                double step = median(records, "ms_step"), out = median(records, "ms_params_out"), compute = median(records, "ms_compute"),
                        agg = median(records, "ms_aggregate"), upd = median(records, "ms_update");
                System.out.printf(Locale.ROOT, "exchange=%s %s batch %d: step %.1f ms = params out %.1f + compute %.1f + aggregate %.1f + update %.1f;"
                                + " overhead (step - compute) %.1f ms = %.1f%% of the step%n",
                        exchange, records == ones ? "local[1]" : "local[2]", batch, step, out, compute, agg, upd, step - compute,
                        100 * (step - compute) / step);
            }
            System.out.println();
        }
    }

    static double run(String master, int partitions, String model, CifarFiles train, int batch, int steps, String exchange,
                      List<Map<String, Object>> records) {
        SparkConf conf = SparkSetup.configure(new SparkConf().setMaster(master).setAppName("driver-benchmark")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            jsc.setLogLevel("WARN");
            TrainConfig cfg = TrainConfig.builder().set("model", model).set("batch.size", batch).set("epochs", 1)
                    .set("max.steps", steps + 5).set("data.shards", 8).set("exchange", exchange).set("augment", true).set("eval.every", 0).build();
            ModelSpec spec = ModelSpec.resolve(model);
            try (SparkGradientSource src = new SparkGradientSource(jsc, train, null, cfg, spec.text(), partitions)) {
                List<Map<String, Object>> seen = new ArrayList<>();
                Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, new Trainer.Listener() {
                    @Override
                    public void onStep(Map<String, Object> r) {
                        seen.add(r);
                    }
                });
                t.run();
                List<Map<String, Object>> timed = seen.subList(5, seen.size());
                if (records != null) records.addAll(timed);
                double ms = 0, images = 0;
                for (Map<String, Object> r : timed) {
                    ms += ((Number) r.get("ms_step")).doubleValue();
                    images += ((Number) r.get("samples")).doubleValue();
                }
                double rate = images / (ms / 1e3);
                System.out.printf(Locale.ROOT, "exchange=%s %s, %d partitions, batch %d: %.1f img/s (median step %.1f ms, median compute %.1f ms)%n",
                        exchange, master, partitions, batch, rate, median(timed, "ms_step"), median(timed, "ms_compute"));
                return rate;
            }
        }
    }

    static double median(List<Map<String, Object>> records, String key) {
        double[] v = records.stream().mapToDouble(r -> ((Number) r.get(key)).doubleValue()).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }
}
