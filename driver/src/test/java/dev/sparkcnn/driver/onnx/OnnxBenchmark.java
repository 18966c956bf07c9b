package dev.sparkcnn.driver.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Inference images/s of ONNX Runtime on an exported model next to our Predictor, same model, same
 * images, same batch, one and two threads, in one JVM (BENCHMARKS.md has the command):
 *
 * <pre>
 *   OnnxBenchmark DATA_DIR [BATCH=256] [ROUNDS=10] [MODEL...=cifar-quick resnet20]
 * </pre>
 * Each model is first trained for 3 steps on DATA_DIR's training files (so the weights are not the
 * initial ones), then exported. Ours with two threads is two Predictors on half the batch each, as two
 * Spark tasks would score; ONNX Runtime's is one session with two intra-op threads. The two take turns
 * batch by batch (a busy machine slows both alike); each figure is the median over ROUNDS batches after
 * 3 untimed ones, and the probabilities of the two are compared once.
 */
public final class OnnxBenchmark {

    private OnnxBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "data/cifar10");
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        String[] models = args.length > 3 ? Arrays.copyOfRange(args, 3, args.length) : new String[] {"cifar-quick", "resnet20"};
        CifarBlock images = repeat(OnnxRuntimeCheck.testImages(data), batch);
        float[] pixels = OnnxRuntimeCheck.pixels(images, 0, batch);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        System.out.printf(Locale.ROOT, "batch %d, %d timed rounds, our GEMM %s, ONNX Runtime %s, %s%n", batch, rounds,
                Gemms.create().name(), env.getVersion(), System.getProperty("java.vm.version"));
        System.out.println("| model | threads | ours (Predictor) img/s | ONNX Runtime img/s | ONNX Runtime / ours |");
        System.out.println("|---|---|---|---|---|");
        for (String name : models) {
            SavedModel model = OnnxRuntimeCheck.trained(ModelSpec.resolve(name), data, 3, 1);
            byte[] onnx = OnnxExporter.export(model).toByteArray();
            float[][] expected = new Predictor(model).probabilities(images);
            for (int threads = 1; threads <= 2; threads++) {
                double[] imagesPerSecond = compare(model, images, onnx, env, pixels, threads, rounds, expected);
                System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2fx |%n", name, threads, imagesPerSecond[0], imagesPerSecond[1],
                        imagesPerSecond[1] / imagesPerSecond[0]);
            }
        }
    }

    /**
     * {ours, ONNX Runtime} in images/s: medians over {@code rounds} batches each, the two taking turns
     * batch by batch so that a busy machine slows both alike.
     */
    static double[] compare(SavedModel model, CifarBlock images, byte[] onnx, OrtEnvironment env, float[] pixels, int threads,
                            int rounds, float[][] expected) throws Exception {
        int n = images.size();
        CifarBlock[] parts = new CifarBlock[threads];
        Predictor[] predictors = new Predictor[threads];
        for (int t = 0; t < threads; t++) {
            parts[t] = slice(images, t * n / threads, (t + 1) * n / threads);
            predictors[t] = new Predictor(model);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {n, 3, 32, 32})) {
                double[] ours = new double[rounds], theirs = new double[rounds];
                for (int r = -3; r < rounds; r++) {
                    long start = System.nanoTime();
                    Future<?>[] f = new Future<?>[threads];
                    for (int t = 0; t < threads; t++) {
                        int tt = t;
                        f[t] = pool.submit(() -> predictors[tt].probabilities(parts[tt]));
                    }
                    for (Future<?> x : f) x.get();
                    long middle = System.nanoTime();
                    try (OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, input))) {
                        if (r == -3) check((float[][]) result.get(0).getValue(), expected);
                    }
                    long end = System.nanoTime();
                    if (r >= 0) {
                        ours[r] = n / ((middle - start) / 1e9);
                        theirs[r] = n / ((end - middle) / 1e9);
                    }
                }
                return new double[] {median(ours), median(theirs)};
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void check(float[][] p, float[][] expected) {
        double diff = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[i].length; j++) diff = Math.max(diff, Math.abs(p[i][j] - expected[i][j]));
        }
        if (diff > OnnxExportTest.TOLERANCE) throw new AssertionError("ONNX Runtime differs from the Predictor by " + diff);
    }

    private static CifarBlock repeat(CifarBlock b, int n) {
        byte[] pixels = new byte[n * CifarRecords.IMAGE_BYTES], labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int src = i % b.size();
            labels[i] = (byte) b.label(src);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        pixels[i * CifarRecords.IMAGE_BYTES + c * CifarRecords.PLANE_BYTES + y * 32 + x] = (byte) b.pixel(src, c, y, x);
                    }
                }
            }
        }
        return new CifarBlock(pixels, labels);
    }

    private static CifarBlock slice(CifarBlock b, int from, int to) {
        byte[] pixels = new byte[(to - from) * CifarRecords.IMAGE_BYTES], labels = new byte[to - from];
        for (int i = from; i < to; i++) labels[i - from] = (byte) b.label(i);
        for (int i = from; i < to; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        pixels[(i - from) * CifarRecords.IMAGE_BYTES + c * CifarRecords.PLANE_BYTES + y * 32 + x] = (byte) b.pixel(i, c, y, x);
                    }
                }
            }
        }
        return new CifarBlock(pixels, labels);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
