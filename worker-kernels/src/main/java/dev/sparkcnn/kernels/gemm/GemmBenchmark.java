package dev.sparkcnn.kernels.gemm;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * EJML vs the Vector-API GEMM on the shapes cifar-quick actually runs (per image, after im2col,
 * and the fully connected layers at batch 64), side by side in one JVM, in GFLOP/s (2*m*n*k / time).
 *
 * <pre>
 *   java [the JIT flags: README, "The GEMM and the JVM flags"] --add-modules jdk.incubator.vector -cp worker-kernels/target/classes:$(cat wk.cp) \
 *        dev.sparkcnn.kernels.gemm.GemmBenchmark [seconds-per-case]
 * </pre>
 *
 * Each (shape, implementation) case is warmed up and then timed in several batches; the table
 * reports the median batch, which is less sensitive than the mean to another process stealing
 * the core for a moment. JIT quality of Vector-API code varies between JVM launches
 * (GEMM-NOTES.md), so compare a few fresh runs rather than trusting one. Without the
 * {@code jdk.incubator.vector} module the vector column is NaN.
 */
public final class GemmBenchmark {

    /** One GEMM shape: {@code label} names the layer and pass, e.g. "conv2 fwd NN 32x256x800". */
    public record Shape(String label, boolean transA, boolean transB, int m, int n, int k) {
        double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** One table row: GFLOP/s of each implementation on a shape (NaN when not measured). */
    public record Row(Shape shape, double ejmlGflops, double vectorGflops) {
        public double ratio() {
            return vectorGflops / ejmlGflops;
        }
    }

    /*
     * cifar-quick: conv1 3->32 5x5 pad 2 on 32x32, pool -> 16x16; conv2 32->32 5x5 on 16x16,
     * pool -> 8x8; conv3 32->64 5x5 on 8x8, pool -> 4x4; fc1 1024->64; fc2 64->10.
     * Conv per image: W (cout x cin*25) . cols (cin*25 x H*W).
     */
    public static final List<Shape> SHAPES = List.of(
            // forward: Y = W . cols
            new Shape("conv1 fwd NN 32x1024x75", false, false, 32, 1024, 75),
            new Shape("conv2 fwd NN 32x256x800", false, false, 32, 256, 800),
            new Shape("conv3 fwd NN 64x64x800", false, false, 64, 64, 800),
            // weight gradient: dW += dY . cols^T
            new Shape("conv1 dW  NT 32x75x1024", false, true, 32, 75, 1024),
            new Shape("conv2 dW  NT 32x800x256", false, true, 32, 800, 256),
            new Shape("conv3 dW  NT 64x800x64", false, true, 64, 800, 64),
            // input gradient: dcols = W^T . dY (conv1 needs none: its input is the image)
            new Shape("conv2 dX  TN 800x256x32", true, false, 800, 256, 32),
            new Shape("conv3 dX  TN 800x64x64", true, false, 800, 64, 64),
            // fully connected at batch 64: Y = X . W^T, dW = dY^T . X, dX = dY . W
            new Shape("fc1 fwd   NT 64x64x1024", false, true, 64, 64, 1024),
            new Shape("fc1 dW    TN 64x1024x64", true, false, 64, 1024, 64),
            new Shape("fc1 dX    NN 64x1024x64", false, false, 64, 1024, 64),
            new Shape("fc2 fwd   NT 64x10x64", false, true, 64, 10, 64));

    private GemmBenchmark() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.8;
        run(seconds, System.out);
    }

    /**
     * Measures every shape in {@link #SHAPES} with both implementations and prints the table to
     * {@code out}. {@code secondsPerCase} is the warm-up plus timed budget of one (shape,
     * implementation) pair; 0.8 s keeps a full run near 25 s.
     */
    public static List<Row> run(double secondsPerCase, PrintStream out) {
        Gemm ejml = new EjmlGemm();
        Gemm vector = Gemms.vectorApiAvailable() ? Gemms.createVector() : null;
        out.printf(Locale.ROOT, "GEMM benchmark: ejml vs %s, %.2f s per case, %s %s, %d cpus%n",
                vector == null ? "(no jdk.incubator.vector module)" : vector.name(), secondsPerCase,
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());

        // Get the vector kernel through C2 before the first timed case, so that case is not
        // measuring the interpreter (Vector-API code there is orders of magnitude slower).
        if (vector != null) {
            for (Shape s : SHAPES) measure(vector, s, Math.min(0.1, secondsPerCase / 4), 1);
        }

        List<Row> rows = new ArrayList<>();
        String header = String.format(Locale.ROOT, "%-26s | %12s | %14s | %7s", "shape (m x n x k)",
                "ejml GFLOP/s", "vector GFLOP/s", "ratio");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Shape s : SHAPES) {
            double e = measure(ejml, s, secondsPerCase, 5);
            double v = vector == null ? Double.NaN : measure(vector, s, secondsPerCase, 5);
            Row row = new Row(s, e, v);
            rows.add(row);
            out.printf(Locale.ROOT, "%-26s | %12.2f | %14.2f | %6.1fx%n", s.label(), e, v, row.ratio());
        }
        return rows;
    }

    /**
     * GFLOP/s of {@code g} on shape {@code s}: a third of the budget warms up, the rest is split
     * into {@code batches} timed batches, and the median batch is returned.
     */
    static double measure(Gemm g, Shape s, double seconds, int batches) {
        Random rnd = new Random(42);
        int aRows = s.transA() ? s.k() : s.m(), aCols = s.transA() ? s.m() : s.k();
        int bRows = s.transB() ? s.n() : s.k(), bCols = s.transB() ? s.k() : s.n();
        float[] a = random(rnd, aRows * aCols), b = random(rnd, bRows * bCols);
        float[] c = new float[s.m() * s.n()];

        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        int calls = 0;
        long t0 = System.nanoTime();
        do {
            call(g, s, a, aCols, b, bCols, c);
            calls++;
        } while (System.nanoTime() < warmEnd);
        double perCall = (System.nanoTime() - t0) / 1e9 / calls;

        double batchSeconds = seconds * 2 / 3 / batches;
        int reps = (int) Math.max(1, batchSeconds / perCall);
        double[] gflops = new double[batches];
        for (int t = 0; t < batches; t++) {
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) call(g, s, a, aCols, b, bCols, c);
            double elapsed = (System.nanoTime() - start) / 1e9;
            gflops[t] = s.flops() * reps / elapsed / 1e9;
        }
        Arrays.sort(gflops);
        return gflops[batches / 2];
    }

    private static void call(Gemm g, Shape s, float[] a, int lda, float[] b, int ldb, float[] c) {
        // Overwrite for every shape; the trainer runs the dW forms with accumulate == true, which
        // differs only in reading C once more.
        g.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), a, 0, lda, b, 0, ldb, c, 0, s.n(), false);
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() - 0.5f;
        return x;
    }
}
