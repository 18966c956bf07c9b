package dev.sparkcnn.jobs.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Synthetic report inputs with known contents. */
final class ReportFixtures {

    static final List<String> CIFAR_CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private ReportFixtures() {
    }

    /** A 32x32 image of one colour, CHW bytes. */
    static byte[] solid(int r, int g, int b) {
        byte[] chw = new byte[3 * 1024];
        for (int p = 0; p < 1024; p++) {
            chw[p] = (byte) r;
            chw[1024 + p] = (byte) g;
            chw[2048 + p] = (byte) b;
        }
        return chw;
    }

    /** A 32x32 image with red = 8 * column, green = 8 * row, blue = 100: tells planes, rows and columns apart. */
    static byte[] gradient() {
        byte[] chw = new byte[3 * 1024];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                chw[y * 32 + x] = (byte) (8 * x);
                chw[1024 + y * 32 + x] = (byte) (8 * y);
                chw[2048 + y * 32 + x] = (byte) 100;
            }
        }
        return chw;
    }

    /** steps step records (100 steps per epoch) and one epoch record per finished epoch, with test figures. */
    static List<Map<String, Object>> metrics(int steps, int stepsPerEpoch) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", "step");
            r.put("step", (long) s);
            r.put("epoch", (s - 1) / stepsPerEpoch);
            r.put("loss", 2.3 * Math.exp(-s / 30.0) + 0.1 * Math.sin(s));
            r.put("accuracy", Math.min(0.9, s / 60.0));
            r.put("lr", 0.01);
            r.put("images_per_second", 1000.0 + 50 * Math.cos(s));
            r.put("ms_params_out", 5.0);
            r.put("ms_compute", 80.0);
            r.put("ms_aggregate", 10.0);
            r.put("ms_update", 5.0);
            r.put("ms_step", 100.0);
            out.add(r);
            if (s % stepsPerEpoch == 0) {
                int e = s / stepsPerEpoch;
                Map<String, Object> ep = new LinkedHashMap<>();
                ep.put("type", "epoch");
                ep.put("epoch", e);
                ep.put("step", (long) s);
                ep.put("train_loss", 2.0 / e);
                ep.put("train_accuracy", 0.3 + 0.1 * e);
                ep.put("test_loss", 2.2 / e);
                ep.put("test_accuracy", 0.25 + 0.1 * e);
                ep.put("seconds", 12.5);
                out.add(ep);
            }
        }
        return out;
    }

    /** 10x10 counts, all distinct: c[r][k] = 1000 + 10 r + k on the diagonal, 10 r + k off it. */
    static long[][] confusion() {
        long[][] c = new long[10][10];
        for (int r = 0; r < 10; r++) for (int k = 0; k < 10; k++) c[r][k] = (r == k ? 1000 : 0) + 10 * r + k;
        return c;
    }

    /** A full report: 50 steps, 5 epochs, confusion matrix, a red, a blue (misclassified) and a gradient image. */
    static ReportData full() {
        ReportData d = new ReportData();
        d.title = "run-2024-quick";
        d.model = "cifar10-quick";
        d.metrics = metrics(50, 10);
        d.confusion = confusion();
        d.classNames = CIFAR_CLASSES;
        d.images = List.of(
                new ReportImage(solid(255, 0, 0), 0, 0),
                new ReportImage(solid(0, 0, 255), 3, 5),
                new ReportImage(gradient(), 7, 7));
        d.figures = new LinkedHashMap<>();
        d.figures.put("throughput", "1,000 images/s");
        d.figures.put("final test accuracy", "75.0%");
        return d;
    }
}
