package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.data.ImageDecoder;
import dev.sparkcnn.driver.data.ImageSource;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.jobs.report.ReportData;
import dev.sparkcnn.jobs.report.ReportImage;
import dev.sparkcnn.jobs.report.RunReport;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Assembles report.html of a run from its metrics, final evaluation and a sample of test predictions. */
final class Reports {

    static final int IMAGES = 40;

    private Reports() {
    }

    static void write(Path outDir, Configuration hadoop, TrainConfig cfg, SavedModel model, ImageSource test,
                      EvalResult eval, Map<String, Object> summary) throws IOException {
        FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(outDir, hadoop);
        ReportData data = new ReportData();
        data.title = "spark-cnn run " + outDir.getName();
        data.model = cfg.model();
        data.metrics = readMetrics(fs, new Path(outDir, "metrics.jsonl"));
        data.confusion = eval == null ? null : eval.confusion;
        data.classNames = model.classNames();
        data.images = test == null ? List.of() : sampleImages(model, test, hadoop);
        data.figures = figures(data.metrics, summary, cfg);
        TrainJob.write(fs, new Path(outDir, "report.html"), RunReport.render(data));
    }

    /** The records of a run's metrics.jsonl; a malformed line is refused with the file and line. */
    static List<Map<String, Object>> readMetrics(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) return new java.util.ArrayList<>();   // a run without a single step has no metrics file
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(fs.open(file), java.nio.charset.StandardCharsets.UTF_8))) {
            return Json.readLines(in, file.toString());
        }
    }

    /** The first test images with the model's predictions. */
    static List<ReportImage> sampleImages(SavedModel model, ImageSource test, Configuration hadoop) {
        int n = (int) Math.min(IMAGES, test.records());
        dev.sparkcnn.kernels.tensor.Shape in = model.network().inputShape();
        int size = in.size();
        byte[] labels = new byte[n], pixels = new byte[n * size];
        n = test.read(0, n, new ImageDecoder(in.channels(), in.height(), in.width(), ImageDecoder.DEFAULT_MAX_PIXELS), labels, pixels,
                new long[1], hadoop);
        Predictor predictor = new Predictor(model);
        float[][] p = predictor.probabilities(predictor.block(Arrays.copyOf(pixels, n * size), n));
        // the report shows square RGB thumbnails: grey or non-square inputs are converted (centre crop)
        int side = Math.min(in.height(), in.width());
        ImageDecoder thumbnail = new ImageDecoder(3, side, side, ImageDecoder.DEFAULT_MAX_PIXELS);
        List<ReportImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] rgb = new byte[3 * side * side];
            thumbnail.convert(pixels, i * size, in.channels(), in.height(), in.width(), rgb, 0);
            images.add(new ReportImage(rgb, labels[i] & 0xff, Predictor.argmax(p[i])));
        }
        return images;
    }

    /** Headline figures: medians over the run's steps, measured per phase. */
    static LinkedHashMap<String, String> figures(List<Map<String, Object>> metrics, Map<String, Object> summary, TrainConfig cfg) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        f.put("model", cfg.model() + " (" + String.format(Locale.ROOT, "%,d", ((Number) summary.get("parameters")).longValue()) + " parameters)");
        f.put("master / partitions", summary.get("master") + " / " + summary.get("partitions"));
        f.put("global batch", cfg.get("batch.size"));
        f.put("optimizer", cfg.get("optimizer") + ", lr " + cfg.get("lr") + ", schedule " + cfg.get("schedule"));
        f.put("steps / epochs", summary.get("steps") + " / " + summary.get("epochs"));
        f.put("wall time", Progress.duration(((Number) summary.get("wall_seconds")).doubleValue()));
        if (summary.containsKey("test_accuracy")) {
            f.put("test accuracy", String.format(Locale.ROOT, "%.2f%%", 100 * ((Number) summary.get("test_accuracy")).doubleValue()));
        }
        for (String[] k : new String[][] {{"images_per_second", "throughput (median images/s)"}, {"ms_step", "step (median ms)"},
                {"ms_params_out", "  parameters out (median ms)"}, {"ms_compute", "  compute (median ms)"},
                {"ms_aggregate", "  aggregate (median ms)"}, {"ms_update", "  update (median ms)"}}) {
            double m = median(metrics, k[0]);
            if (!Double.isNaN(m)) f.put(k[1], String.format(Locale.ROOT, "%.1f", m));
        }
        return f;
    }

    static double median(List<Map<String, Object>> metrics, String key) {
        double[] v = metrics.stream().filter(r -> "step".equals(r.get("type")) && r.get(key) instanceof Number)
                .mapToDouble(r -> ((Number) r.get(key)).doubleValue()).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }
}
