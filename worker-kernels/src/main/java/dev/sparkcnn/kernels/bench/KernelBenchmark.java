package dev.sparkcnn.kernels.bench;

import dev.sparkcnn.kernels.gemm.EjmlGemm;
import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.gemm.GemmBenchmark;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.loss.SoftmaxCrossEntropy;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Workspace;
import dev.sparkcnn.kernels.optim.Sgd;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Single-thread training throughput of one model (default cifar-quick, batch 64): images per
 * second for forward + loss + backward + SGD update, the time split per layer, with the
 * Vector-API GEMM and with EJML in the same JVM, then the GEMM table of the conv shapes.
 *
 * <pre>
 *   java [the JIT flags: README, "The GEMM and the JVM flags"] --add-modules jdk.incubator.vector -cp ... dev.sparkcnn.kernels.bench.KernelBenchmark [model] [batch] [seconds] [fast-only]
 * </pre>
 * {@code fast-only} skips the EJML run and the GEMM table (for back-to-back comparisons with PyTorch).
 * Not a test: figures go to BENCHMARKS.md with the command that produced them.
 */
public final class KernelBenchmark {

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "cifar-quick";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 8;
        Network net = ModelSpec.resolve(model).build();
        System.out.printf(Locale.ROOT, "model %s: %,d parameters, %.1f MFLOP forward per image; batch %d, one thread, %s%n",
                model, net.paramCount(), net.forwardFlops() / 1e6, batch, System.getProperty("java.vm.name") + " " + Runtime.version());
        double fast = run(net, batch, seconds, Gemms.vectorApiAvailable() ? Gemms.createVector() : new EjmlGemm(), true);
        if (args.length > 3 && args[3].equals("fast-only")) return;
        double ejml = run(net, batch, Math.max(2, seconds / 4), new EjmlGemm(), false);
        System.out.printf(Locale.ROOT, "%ntraining images/s: %.1f with the fast GEMM, %.1f with EJML (%.1fx)%n%n", fast, ejml, fast / ejml);
        GemmBenchmark.main(new String[0]);
    }

    /** Trains for about {@code seconds} after warm-up and returns images per second. */
    static double run(Network net, int batch, double seconds, Gemm gemm, boolean perLayer) {
        Workspace ws = net.newWorkspace(batch, gemm);
        Context ctx = ws.bindNewTraining(1);
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[batch * net.inputShape().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = r.nextInt(net.outputShape().size());
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Sgd sgd = new Sgd(net.paramCount(), 0.9f, false, 5e-4f);

        warmUp(() -> step(ws, ctx, x, labels, batch, loss, sgd));
        ws.setTiming(perLayer);
        Arrays.fill(ws.forwardNanos(), 0);
        Arrays.fill(ws.backwardNanos(), 0);
        long updateNanos = 0, lossNanos = 0;
        int steps = 0;
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            step(ws, ctx, x, labels, batch, loss, sgd);
            steps++;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double imagesPerSecond = steps * (double) batch / elapsed;
        System.out.printf(Locale.ROOT, "%n[%s] %d steps of %d in %.1f s: %.1f images/s, %.1f ms/step, %.1f GFLOP/s (forward+backward ~3x forward)%n",
                gemm.name(), steps, batch, elapsed, imagesPerSecond, 1e3 * elapsed / steps,
                3.0 * net.forwardFlops() * imagesPerSecond / 1e9);
        if (perLayer) {
            System.out.printf(Locale.ROOT, "%-4s %-14s %-30s %12s %12s %8s%n", "#", "layer", "configuration", "fwd ms/step", "bwd ms/step", "share");
            long total = 0;
            for (int i = 0; i < net.layerCount(); i++) total += ws.forwardNanos()[i] + ws.backwardNanos()[i];
            for (int i = 0; i < net.layerCount(); i++) {
                Layer l = net.layer(i);
                long f = ws.forwardNanos()[i], b = ws.backwardNanos()[i];
                String config = ws.fusedIntoNext(i) ? "(in the next layer's pass)" : l.describe();
                System.out.printf(Locale.ROOT, "%-4d %-14s %-30s %12.2f %12.2f %7.1f%%%n", i, l.kind(), config,
                        f / 1e6 / steps, b / 1e6 / steps, 100.0 * (f + b) / total);
            }
            double layersMs = total / 1e6 / steps;
            System.out.printf(Locale.ROOT, "layers %.2f ms/step of %.2f (loss, SGD update and timing: the rest)%n",
                    layersMs, 1e3 * elapsed / steps);
            ws.setTiming(false);
        }
        return imagesPerSecond;
    }

    /**
     * Runs the step until its speed is steady: at least 3 s, then until two consecutive 2-second
     * windows agree within 3% (at most 40 s). A fixed 3 s was not enough: a kernel called only a
     * few times per step (the fully connected layers' GEMM once convolutions stopped using it) was
     * still interpreted, boxing every vector, 13 s into a run on a busy machine.
     */
    static void warmUp(Runnable step) {
        long start = System.nanoTime(), end = start + 40_000_000_000L;
        while (System.nanoTime() - start < 3_000_000_000L) step.run();
        double previous = -1;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            int steps = 0;
            while (System.nanoTime() - t0 < 2_000_000_000L) {
                step.run();
                steps++;
            }
            double rate = steps / ((System.nanoTime() - t0) / 1e9);
            if (previous > 0 && Math.abs(rate - previous) <= 0.03 * previous) return;
            previous = rate;
        }
    }

    private static void step(Workspace ws, Context ctx, float[] x, int[] labels, int n, SoftmaxCrossEntropy loss, Sgd sgd) {
        Arrays.fill(ctx.grads, 0f);
        ws.trainStep(x, labels, 0, n, loss, 1f / n);
        sgd.step(ctx.params, ctx.grads, 0.01f);
    }
}
