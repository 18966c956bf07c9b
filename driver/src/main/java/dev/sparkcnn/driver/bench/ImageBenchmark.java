package dev.sparkcnn.driver.bench;

import dev.sparkcnn.driver.SparkSetup;
import dev.sparkcnn.driver.data.ImageDecoder;
import dev.sparkcnn.driver.data.ImageFolderSource;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Figures of training on your own images, one measurement after the other:
 * <ol>
 *   <li>decode: images/s of the folder source on one thread (read through Hadoop's FileSystem +
 *       javax.imageio decode + resize/crop to the model's input), for each folder tree given;</li>
 *   <li>training: images/s of synchronous training in local[2] (2 partitions) on the first tree,
 *       for each model given (median of the step records after 3 warm-up steps).</li>
 * </ol>
 * <pre>
 *   java [module flags] -cp ... dev.sparkcnn.driver.bench.ImageBenchmark STEPS MODEL[,MODEL..] TREE [TREE..]
 * </pre>
 */
public final class ImageBenchmark {

    public static void main(String[] args) {
        int steps = Integer.parseInt(args[0]);
        String[] models = args[1].split(",");
        Configuration conf = new Configuration();
        for (int t = 2; t < args.length; t++) {
            ImageFolderSource src = ImageFolderSource.resolve(args[t], conf, 1, 0, false).train();
            for (int side : new int[] {32, 64}) {
                ImageDecoder d = new ImageDecoder(3, side, side, ImageDecoder.DEFAULT_MAX_PIXELS);
                int n = (int) src.records();
                byte[] labels = new byte[n], pixels = new byte[n * 3 * side * side];
                src.read(0, n, d, labels, pixels, new long[1], conf);   // warm-up: JIT and page cache
                long t0 = System.nanoTime();
                src.read(0, n, d, labels, pixels, new long[1], conf);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "decode %s -> 3x%dx%d: %d images in %.2f s = %.0f images/s on one thread%n",
                        args[t], side, side, n, s, n / s);
            }
        }
        SparkConf sc = SparkSetup.configure(new SparkConf().setMaster("local[2]").setAppName("image-benchmark")
                .set("spark.ui.enabled", "false"));
        try (JavaSparkContext jsc = new JavaSparkContext(sc)) {
            jsc.setLogLevel("WARN");
            ImageFolderSource train = ImageFolderSource.resolve(args[2], conf, 1, 0, false).train();
            for (String model : models) {
                ModelSpec spec = ModelSpec.resolve(model);
                TrainConfig cfg = TrainConfig.builder().set("model", model).set("batch.size", 128).set("epochs", 100)
                        .set("max.steps", steps + 3).set("data.shards", 8).set("partitions", 2).set("augment", true)
                        .set("eval.every", 0).build();
                List<Double> ips = new ArrayList<>();
                try (SparkGradientSource source = new SparkGradientSource(jsc, train, null, cfg, spec.text(), 2)) {
                    Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), null, null, new Trainer.Listener() {
                        @Override
                        public void onStep(Map<String, Object> record) {
                            ips.add(((Number) record.get("images_per_second")).doubleValue());
                        }
                    });
                    trainer.run();
                }
                List<Double> timed = new ArrayList<>(ips.subList(3, ips.size()));
                timed.sort(null);
                System.out.printf(Locale.ROOT, "train %s (%s, %,d parameters) local[2], batch 128: median %.1f images/s over %d steps "
                                + "(min %.1f, max %.1f)%n", model, spec.build().inputShape(), spec.build().paramCount(),
                        timed.get(timed.size() / 2), timed.size(), timed.get(0), timed.get(timed.size() - 1));
            }
        }
    }
}
