package dev.sparkcnn.kernels.bench;

import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.layers.Conv2d;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Every distinct convolution of a model, forward, backward and the weight gradient alone, on the implicit-GEMM path and on
 * im2col + GEMM, alternating in one JVM; prints the best of several rounds (the machine is shared:
 * the minimum is the figure least disturbed by others) and GFLOP/s.
 *
 * <pre>
 *   java [the JIT flags: README, "The GEMM and the JVM flags"] --add-modules jdk.incubator.vector -cp ... dev.sparkcnn.kernels.bench.ConvBenchmark [model] [batch] [rounds]
 * </pre>
 */
public final class ConvBenchmark {

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "cifar-quick";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Network net = ModelSpec.resolve(model).build();
        List<Conv2d> convs = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Layer l : net.layers()) collect(l, convs, seen);
        Gemm gemm = Gemms.createVector();
        int vl = gemm.implicitGemm().vectorLength();
        System.out.printf(Locale.ROOT, "%s, batch %d, best of %d rounds, ms per batch (GFLOP/s)%n", model, batch, rounds);
        System.out.printf(Locale.ROOT, "%-40s %-64s %22s %22s %22s %22s %22s %22s%n", "conv", "paths", "fwd im2col", "fwd direct",
                "bwd im2col", "bwd direct", "dW im2col", "dW direct");
        // pass 0 warms the JIT up on every convolution (the first ones measured otherwise pay for the
        // compilation of all kernels); pass 1 prints
        for (int pass = 0; pass < 2; pass++) {
            for (Conv2d conv : convs) measure(conv, net, gemm, vl, batch, rounds, pass == 1);
        }
    }

    private static void measure(Conv2d conv, Network net, Gemm gemm, int vl, int batch, int rounds, boolean print) {
        {
            conv.place(0, 0, 0);
            float[] params = new float[conv.paramCount()];
            conv.initParams(params, 1);
            SplittableRandom r = new SplittableRandom(3);
            float[] x = new float[batch * conv.inputShape().size()];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] y = new float[batch * conv.outputShape().size()];
            float[] dy = new float[y.length];
            for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
            // the network's first layer computes no input gradient
            float[] dx = conv.inputShape().equals(net.inputShape()) ? null : new float[x.length];
            Context[] ctxs = {new Context(gemm, null), new Context(gemm, gemm.implicitGemm())};
            Object[] works = new Object[2];
            double[][] best = new double[2][3];
            for (int v = 0; v < 2; v++) {
                ctxs[v].params = params;
                ctxs[v].grads = new float[params.length];
                works[v] = conv.allocate(batch);
                best[v][0] = best[v][1] = best[v][2] = Double.MAX_VALUE;
            }
            for (int round = 0; round < rounds + 2; round++) {
                for (int v = 0; v < 2; v++) {
                    int reps = 3;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) conv.forward(ctxs[v], works[v], x, y, batch);
                    long t1 = System.nanoTime();
                    for (int i = 0; i < reps; i++) conv.backward(ctxs[v], works[v], x, y, dy, dx, batch);
                    long t2 = System.nanoTime();
                    // the weight gradient alone (and db): backward without an input gradient
                    for (int i = 0; i < reps; i++) conv.backward(ctxs[v], works[v], x, y, dy, null, batch);
                    long t3 = System.nanoTime();
                    if (round >= 2) {
                        best[v][0] = Math.min(best[v][0], (t1 - t0) / 1e6 / reps);
                        best[v][1] = Math.min(best[v][1], (t2 - t1) / 1e6 / reps);
                        best[v][2] = Math.min(best[v][2], (t3 - t2) / 1e6 / reps);
                    }
                }
            }
            if (!print) return;
            double f = conv.forwardFlops() * (double) batch / 1e6;
            double bf = (dx == null ? 1 : 2) * f;
            System.out.printf(Locale.ROOT, "%-40s %-64s %10.2f (%6.1f)   %10.2f (%6.1f)   %10.2f (%6.1f)   %10.2f (%6.1f)   %10.2f (%6.1f)   %10.2f (%6.1f)%n",
                    conv.inputShape() + " " + conv.describe(), conv.paths(vl),
                    best[0][0], f / best[0][0], best[1][0], f / best[1][0],
                    best[0][1], bf / best[0][1], best[1][1], bf / best[1][1],
                    best[0][2], f / best[0][2], best[1][2], f / best[1][2]);
        }
    }

    private static void collect(Layer l, List<Conv2d> convs, List<String> seen) {
        if (l instanceof Conv2d) {
            String key = l.inputShape() + " " + l.describe();
            if (!seen.contains(key)) {
                seen.add(key);
                convs.add((Conv2d) l);
            }
        } else if (l instanceof dev.sparkcnn.kernels.layers.ResidualBlock) {
            for (Layer inner : ((dev.sparkcnn.kernels.layers.ResidualBlock) l).innerLayers()) collect(inner, convs, seen);
        }
    }
}
