package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.EjmlGemm;
import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The im2col + GEMM convolution and the pooling layers against plain loops, on random geometries. */
class FastVersusNaiveTest {

    private static double maxRelativeError(float[] fast, double[] ref, int len) {
        double worst = 0, scale = 1e-6;
        for (int i = 0; i < len; i++) scale = Math.max(scale, Math.abs(ref[i]));
        for (int i = 0; i < len; i++) worst = Math.max(worst, Math.abs(fast[i] - ref[i]) / scale);
        return worst;
    }

    @Test
    void convolutionMatchesLoopsOnRandomGeometries() {
        SplittableRandom r = new SplittableRandom(2026);
        for (Gemm gemm : new Gemm[] {Gemms.create(), new EjmlGemm()}) {
            for (int trial = 0; trial < 40; trial++) {
                int c = 1 + r.nextInt(4), h = 3 + r.nextInt(10), w = 3 + r.nextInt(10), k = 1 + r.nextInt(6);
                int kh = 1 + r.nextInt(4), kw = 1 + r.nextInt(4), sh = 1 + r.nextInt(3), sw = 1 + r.nextInt(3);
                int ph = r.nextInt(3), pw = r.nextInt(3), dh = 1 + r.nextInt(2), dw = 1 + r.nextInt(2);
                if (dh * (kh - 1) + 1 > h + 2 * ph || dw * (kw - 1) + 1 > w + 2 * pw) continue;
                Window g = Window.of(h, w, kh, kw, sh, sw, ph, pw, dh, dw, Window.Rounding.FLOOR);
                boolean bias = r.nextBoolean();
                int n = 1 + r.nextInt(3);
                Conv2d conv = new Conv2d(new Shape(c, h, w), k, g, bias, Conv2d.InitKind.HE);
                conv.place(0, 0, 0);
                Context ctx = new Context(gemm);
                ctx.params = GradientCheck.random(conv.paramCount(), trial, 1);
                ctx.grads = new float[conv.paramCount()];
                float[] x = GradientCheck.random(n * c * h * w, 100 + trial, 1);
                int outLen = n * conv.outputShape().size();
                float[] y = new float[outLen];
                Object work = conv.allocate(n);
                twiceAgainstLoops(conv, ctx, work, x, y, n, 200 + 2L * trial,
                        gemm.name() + " " + conv + " on " + c + "x" + h + "x" + w + " n=" + n);
            }
        }
    }

    /**
     * Twice (the second call finds the scratch of the first): forward, then backward of a random dy
     * (seeds dySeed, dySeed + 1) into a NaN-filled dx (every element must be written), each against
     * the loops to 1e-5 of the largest reference value.
     */
    private static void twiceAgainstLoops(Conv2d conv, Context ctx, Object work, float[] x, float[] y, int n, long dySeed, String what) {
        Shape in = conv.inputShape();
        int c = in.channels(), h = in.height(), w = in.width(), k = conv.filters();
        Window g = conv.window();
        boolean bias = conv.hasBias();
        int outLen = n * conv.outputShape().size();
        for (int repeat = 0; repeat < 2; repeat++) {
            java.util.Arrays.fill(ctx.grads, 0f);
            conv.forward(ctx, work, x, y, n);
            double[] ref = NaiveReference.convForward(x, n, c, h, w, ctx.params, k, g, bias);
            double e = maxRelativeError(y, ref, outLen);
            assertTrue(e < 1e-5, what + ": forward differs from the loops by " + e);
            float[] dy = GradientCheck.random(outLen, dySeed + repeat, 1);
            float[] dx = new float[n * in.size()];
            java.util.Arrays.fill(dx, Float.NaN);   // every element must be written
            conv.backward(ctx, work, x, y, dy, dx, n);
            double[][] refGrads = NaiveReference.convBackward(x, n, c, h, w, ctx.params, k, g, bias, dy);
            e = maxRelativeError(dx, refGrads[0], dx.length);
            assertTrue(e < 1e-5, what + ": dx differs from the loops by " + e);
            e = maxRelativeError(ctx.grads, refGrads[1], ctx.grads.length);
            assertTrue(e < 1e-5, what + ": dW/db differ from the loops by " + e);
        }
    }

    /**
     * Winograd F(2x2, 3x3) ("same" 3x3 convolutions with the vector kernels) against the loops: forward,
     * input and weight gradients to the same 1e-5 as every other path, on random even sizes (one tile
     * row or column up to several chunks of images), channel and filter counts (32 or a vector more), batch
     * sizes that end in a partial chunk, with and without bias, twice per layer (the scratch of the
     * first call is reused). The plan must actually take the Winograd path.
     */
    @Test
    void winogradMatchesLoops() {
        Gemm gemm = Gemms.create();
        org.junit.jupiter.api.Assumptions.assumeTrue(gemm.implicitGemm() != null, "Winograd runs with the vector kernels only");
        int vl = gemm.implicitGemm().vectorLength();
        SplittableRandom r = new SplittableRandom(23);
        int ran = 0;
        for (int trial = 0; ran < 30; trial++) {
            // at least 32 of each (fewer stay direct: slower as Winograd), whole vectors of channels
            int min = (32 + vl - 1) / vl * vl;
            int c = min + vl * r.nextInt(2), k = min + vl * r.nextInt(2);
            int h = 2 * (1 + r.nextInt(trial % 5 == 0 ? 16 : 5)), w = 2 * (1 + r.nextInt(6));
            int n = 1 + r.nextInt(trial % 4 == 0 ? 40 : 4);
            if ((long) n * c * k * h * w > 20_000_000L) continue;   // the loops' budget
            ran++;
            Window g = Window.of(h, w, 3, 3, 1, 1, 1, 1, 1, 1, Window.Rounding.EXACT);
            boolean bias = r.nextBoolean();
            Conv2d conv = new Conv2d(new Shape(c, h, w), k, g, bias, Conv2d.InitKind.HE);
            assertEquals("forward winograd, dW winograd, dx winograd", conv.paths(vl), "paths of " + conv);
            conv.place(0, 0, 0);
            Context ctx = new Context(gemm);
            ctx.params = GradientCheck.random(conv.paramCount(), 700 + trial, 1);
            ctx.grads = new float[conv.paramCount()];
            float[] x = GradientCheck.random(n * c * h * w, 800 + trial, 1);
            int outLen = n * conv.outputShape().size();
            float[] y = new float[outLen + 5];
            Object work = conv.allocate(n + r.nextInt(3));
            String what = conv + " on " + c + "x" + h + "x" + w + " n=" + n;
            twiceAgainstLoops(conv, ctx, work, x, y, n, 900 + trial, what);
            for (int i = outLen; i < y.length; i++) assertEquals(0f, y[i], what + ": wrote past the batch");
        }
    }

    /**
     * The implicit-GEMM paths (pixels- and channel-vectorised forward and weight gradient, full-convolution
     * input gradient) against the loops, on geometries drawn so that every path is taken: widths that
     * are multiples of the vector length, filter and channel counts that are multiples of 8 or of VL,
     * strides, padding beyond and within the kernel's reach, dilation, rectangular kernels, ceil
     * rounding. The test counts the paths it saw, so a plan that silently fell back to im2col fails it.
     */
    @Test
    void implicitGemmPathsMatchLoopsOnRandomGeometries() {
        Gemm gemm = Gemms.create();
        org.junit.jupiter.api.Assumptions.assumeTrue(gemm.implicitGemm() != null, "no implicit kernels without the Vector API");
        int vl = gemm.implicitGemm().vectorLength();
        SplittableRandom r = new SplittableRandom(11);
        java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
        for (int trial = 0; trial < 80; trial++) {
            int[] channelChoices = {1, 3, 8, vl, 2 * vl};
            int c = channelChoices[r.nextInt(channelChoices.length)];
            int[] filterChoices = {8, vl, 2 * vl, 3 * vl, 5};
            int k = filterChoices[r.nextInt(filterChoices.length)];
            int kh = 1 + r.nextInt(5), kw = 1 + r.nextInt(5);
            int sh = r.nextInt(4) == 0 ? 2 : 1, sw = sh == 2 || r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 1;
            int dh = r.nextInt(4) == 0 ? 2 : 1, dw = r.nextInt(4) == 0 ? 2 : 1;
            int ph = r.nextInt(3), pw = r.nextInt(3);
            // an output width (forward) or input width (input gradient) that is a multiple of VL, or anything
            int widthKind = r.nextInt(3);
            int w = widthKind == 0 ? vl * (1 + r.nextInt(2)) + dw * (kw - 1) - 2 * pw
                    : widthKind == 1 ? vl * (1 + r.nextInt(2)) : 3 + r.nextInt(12);
            int h = 2 + r.nextInt(8) + dh * (kh - 1);
            if (w < 1 || dh * (kh - 1) + 1 > h + 2 * ph || dw * (kw - 1) + 1 > w + 2 * pw) continue;
            Window.Rounding rounding = r.nextInt(3) == 0 ? Window.Rounding.CEIL : Window.Rounding.FLOOR;
            Window g = Window.of(h, w, kh, kw, sh, sw, ph, pw, dh, dw, rounding);
            boolean bias = r.nextBoolean();
            int n = 1 + r.nextInt(3);
            Conv2d conv = new Conv2d(new Shape(c, h, w), k, g, bias, Conv2d.InitKind.HE);
            String paths = conv.paths(vl);
            for (String part : paths.split(", ")) seen.merge(part, 1, Integer::sum);
            conv.place(0, 0, 0);
            Context ctx = new Context(gemm);
            ctx.params = GradientCheck.random(conv.paramCount(), 300 + trial, 1);
            ctx.grads = new float[conv.paramCount()];
            float[] x = GradientCheck.random(n * c * h * w, 400 + trial, 1);
            int outLen = n * conv.outputShape().size();
            float[] y = new float[outLen];
            Object work = conv.allocate(n);
            String what = conv + " on " + c + "x" + h + "x" + w + " n=" + n + " (" + paths + ")";
            // twice: the second call finds the scratch of the first (borders must still be zero)
            twiceAgainstLoops(conv, ctx, work, x, y, n, 500 + trial, what);
        }
        for (String part : new String[] {"forward direct/pixels", "forward direct/channels", "forward im2col",
                "dW direct/pixels", "dW direct/channels", "dW im2col", "dx direct/pixels", "dx direct/channels", "dx im2col"}) {
            assertTrue(seen.getOrDefault(part, 0) >= 2, "path '" + part + "' was taken only " + seen.getOrDefault(part, 0)
                    + " times: " + seen);
        }
    }

    /**
     * Max and average pooling, forward and backward, against the loops on random geometries: the
     * 2x2 stride-2 fast path (even and odd sizes, floor and ceil rounding), overlapping and padded
     * windows. The batch sits in buffers with room for one more sample, filled with sentinels, as
     * inside a workspace with spare capacity: nothing outside the n samples may be read or written.
     */
    @Test
    void poolingMatchesLoopsOnRandomGeometries() {
        SplittableRandom r = new SplittableRandom(7);
        int fastPath = 0, ceil = 0;
        for (int trial = 0; trial < 200; trial++) {
            int c = 1 + r.nextInt(3), h = 2 + r.nextInt(10), w = 2 + r.nextInt(10);
            boolean twoByTwo = r.nextBoolean();
            int kh = twoByTwo ? 2 : 1 + r.nextInt(3), kw = twoByTwo ? 2 : 1 + r.nextInt(3), s = twoByTwo ? 2 : 1 + r.nextInt(3);
            int ph = twoByTwo && r.nextBoolean() ? 0 : r.nextInt(kh / 2 + 1), pw = twoByTwo && r.nextBoolean() ? 0 : r.nextInt(kw / 2 + 1);
            if (kh > h + 2 * ph || kw > w + 2 * pw) continue;
            Window.Rounding rounding = r.nextBoolean() ? Window.Rounding.CEIL : Window.Rounding.FLOOR;
            Window g = Window.of(h, w, kh, kw, s, s, ph, pw, 1, 1, rounding);
            boolean hangsOver = (g.outH() - 1) * s + kh > h + 2 * ph || (g.outW() - 1) * s + kw > w + 2 * pw;
            if (hangsOver) ceil++;
            if (kh == 2 && kw == 2 && s == 2 && ph == 0 && pw == 0) fastPath++;
            Shape in = new Shape(c, h, w);
            int n = 1 + r.nextInt(3);
            float[] x = GradientCheck.random((n + 1) * in.size(), trial, 1);
            for (int i = n * in.size(); i < x.length; i++) x[i] = 1e6f;   // the next sample would win every max
            for (boolean max : new boolean[] {true, false}) {
                Layer pool = max ? new MaxPool2d(in, g) : new AvgPool2d(in, g, false);
                String what = pool + " " + g.describe(true) + " " + rounding + " on " + in + " n=" + n;
                Context ctx = new Context(null);
                Object work = pool.allocate(n + 1);
                int outLen = n * pool.outputShape().size();
                float[] y = new float[outLen + pool.outputShape().size()];
                pool.forward(ctx, work, x, y, n);
                double e = maxRelativeError(y, NaiveReference.pool(x, n, c, h, w, g, max), outLen);
                assertTrue(e < 1e-6, what + ": forward differs from the loops by " + e);
                for (int i = outLen; i < y.length; i++) assertEquals(0f, y[i], what + ": wrote past the batch at " + i);

                float[] dy = GradientCheck.random(y.length, 1000 + trial, 1);
                float[] dx = new float[x.length];
                java.util.Arrays.fill(dx, n * in.size(), dx.length, 7f);
                pool.backward(ctx, work, x, y, dy, dx, n);
                e = maxRelativeError(dx, NaiveReference.poolBackward(x, n, c, h, w, g, max, dy), n * in.size());
                assertTrue(e < 1e-6, what + ": dx differs from the loops by " + e);
                for (int i = n * in.size(); i < dx.length; i++) assertEquals(7f, dx[i], what + ": gradient routed into the next sample at " + i);
            }
        }
        assertTrue(fastPath >= 30 && ceil >= 20, "geometries: " + fastPath + " on the 2x2 fast path, " + ceil + " hanging over the edge");
    }

    @Test
    void maxPoolCeilOnAnOddInputStaysInsideItsWindows() {
        // issue 10, bug 1: 7x7 with 2x2 stride 2 and round=ceil gives 4x4 outputs whose last row and
        // column of windows cover one input pixel less; the fast path read past them
        Shape in = new Shape(1, 7, 7);
        MaxPool2d pool = new MaxPool2d(in, Window.of(7, 7, 2, 2, 2, 2, 0, 0, 1, 1, Window.Rounding.CEIL));
        assertEquals(new Shape(1, 4, 4), pool.outputShape());
        float[] x = new float[49];
        for (int i = 0; i < 49; i++) x[i] = -i;            // every window's maximum is its top-left pixel
        float[] y = new float[16];
        Object work = pool.allocate(1);
        pool.forward(new Context(null), work, x, y, 1);
        for (int oy = 0; oy < 4; oy++)
            for (int ox = 0; ox < 4; ox++) assertEquals(-(2 * oy * 7 + 2 * ox), y[oy * 4 + ox], 0f, "output " + oy + "," + ox);
        float[] dx = new float[49];
        float[] dy = new float[16];
        java.util.Arrays.fill(dy, 1f);
        pool.backward(new Context(null), work, x, y, dy, dx, 1);
        for (int i = 0; i < 49; i++) {
            int row = i / 7, col = i % 7;
            assertEquals(row % 2 == 0 && col % 2 == 0 ? 1f : 0f, dx[i], 0f, "dx at " + row + "," + col);
        }
    }

    @Test
    void maxPoolRoutesTiesToTheFirstMaximumInWindowOrder() {
        // every non-empty set of positions of a 2x2 window holding the maximum (the rest lower), through
        // the 2x2 stride-2 fast path and through the general loop (the same windows as 2x2 stride 2 with
        // a padded border that never wins); zeros as after a ReLU, so ties are exact
        for (int pattern = 1; pattern < 16; pattern++) {
            float[] x = new float[4];
            int first = -1;
            for (int k = 0; k < 4; k++) {
                boolean isMax = (pattern >> k & 1) == 1;
                x[k] = isMax ? 0f : -1f;
                if (isMax && first < 0) first = k;
            }
            for (Window g : new Window[] {
                    Window.of(2, 2, 2, 2, 2, 2, 0, 0, 1, 1, Window.Rounding.EXACT),
                    Window.of(2, 2, 2, 2, 1, 1, 0, 0, 1, 1, Window.Rounding.EXACT)}) {
                MaxPool2d pool = new MaxPool2d(new Shape(1, 2, 2), g);
                Object work = pool.allocate(1);
                Context ctx = new Context(null);
                float[] y = new float[1];
                pool.forward(ctx, work, x, y, 1);
                float[] dx = new float[4];
                pool.backward(ctx, work, x, y, new float[] {1f}, dx, 1);
                float[] expected = new float[4];
                expected[first] = 1f;
                assertEquals(0f, y[0], 0f, "pattern " + pattern + ": the maximum");
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, dx,
                        "pattern " + Integer.toBinaryString(pattern) + " via " + g.describe(true) + ": dy goes to position " + first);
            }
        }
    }

    @Test
    void overlappingMaxPoolRoutesGradientToEveryWindowsMaximum() {
        // 1x3x3 input, 2x2 windows with stride 1: the centre is the max of all four windows
        Shape in = new Shape(1, 3, 3);
        MaxPool2d pool = new MaxPool2d(in, Window.of(3, 3, 2, 2, 1, 1, 0, 0, 1, 1, Window.Rounding.EXACT));
        float[] x = {0, 1, 0, 1, 9, 1, 0, 1, 0};
        float[] y = new float[4];
        Object work = pool.allocate(1);
        Context ctx = new Context(null);
        pool.forward(ctx, work, x, y, 1);
        float[] dx = new float[9];
        pool.backward(ctx, work, x, y, new float[] {1, 2, 3, 4}, dx, 1);
        assertTrue(dx[4] == 10f && dx[0] == 0f, "centre gets 1+2+3+4, got " + java.util.Arrays.toString(dx));
    }
}
