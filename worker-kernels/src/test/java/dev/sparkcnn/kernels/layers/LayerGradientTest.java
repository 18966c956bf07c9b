package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference gradient checks of every layer: input gradient and parameter gradients. */
class LayerGradientTest {

    private static final int ALL = Integer.MAX_VALUE;

    @ParameterizedTest(name = "conv {0}x{1}x{2} filters={3} size={4}x{5} stride={6}x{7} pad={8}x{9} dilation={10} bias={11}")
    @CsvSource({
            "3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, true",
            "2, 9, 7, 3, 3, 5, 2, 1, 1, 2, 1, true",     // rectangular kernel, stride and padding
            "2, 9, 9, 2, 3, 3, 2, 2, 2, 2, 2, false",    // dilation 2, no bias
            "5, 4, 4, 3, 1, 1, 1, 1, 0, 0, 1, true",     // pointwise 1x1: cols are the image
            "3, 6, 6, 2, 1, 1, 2, 2, 0, 0, 1, false",    // 1x1 stride 2 (ResNet projection)
            "32, 4, 6, 32, 3, 3, 1, 1, 1, 1, 1, true",   // Winograd F(2x2, 3x3) with the vector kernels
    })
    void conv(int c, int h, int w, int filters, int kh, int kw, int sh, int sw, int ph, int pw, int d, boolean bias) {
        Shape in = new Shape(c, h, w);
        Window g = Window.of(h, w, kh, kw, sh, sw, ph, pw, d, d, Window.Rounding.FLOOR);
        Conv2d conv = new Conv2d(in, filters, g, bias, Conv2d.InitKind.HE);
        Context ctx = GradientCheck.context(conv, 11, true);
        int n = 2;
        GradientCheck.check(conv, ctx, GradientCheck.random(n * in.size(), 12, 1), n, 60, 13);
    }

    @Test
    void linear() {
        Shape in = new Shape(3, 2, 2);
        Linear fc = new Linear(in, 5, true, Conv2d.InitKind.XAVIER);
        Context ctx = GradientCheck.context(fc, 21, true);
        GradientCheck.check(fc, ctx, GradientCheck.random(3 * in.size(), 22, 1), 3, ALL, 23);
    }

    /** Distinct values 0.05 apart: a +-0.01 perturbation never changes which element is the max. */
    private static float[] distinct(int len, long seed) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) a[i] = (i - len / 2) * 0.05f;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = len - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    @ParameterizedTest(name = "maxpool size={0} stride={1} pad={2}")
    @CsvSource({"2, 2, 0", "3, 2, 0", "3, 2, 1", "2, 1, 0"})
    void maxPool(int size, int stride, int pad) {
        Shape in = new Shape(2, 7, 7);
        MaxPool2d pool = new MaxPool2d(in, Window.of(7, 7, size, size, stride, stride, pad, pad, 1, 1, Window.Rounding.FLOOR));
        Context ctx = GradientCheck.context(pool, 31, true);
        GradientCheck.check(pool, ctx, distinct(2 * in.size(), 32), 2, ALL, 33);
    }

    @ParameterizedTest(name = "avgpool size={0} stride={1} pad={2}")
    @CsvSource({"2, 2, 0", "3, 2, 1", "3, 1, 1"})
    void avgPool(int size, int stride, int pad) {
        Shape in = new Shape(2, 6, 6);
        AvgPool2d pool = new AvgPool2d(in, Window.of(6, 6, size, size, stride, stride, pad, pad, 1, 1, Window.Rounding.FLOOR), false);
        Context ctx = GradientCheck.context(pool, 41, true);
        GradientCheck.check(pool, ctx, GradientCheck.random(2 * in.size(), 42, 1), 2, ALL, 43);
    }

    @Test
    void globalAveragePool() {
        Shape in = new Shape(3, 4, 5);
        AvgPool2d pool = AvgPool2d.global(in);
        assertEquals(new Shape(3, 1, 1), pool.outputShape());
        Context ctx = GradientCheck.context(pool, 51, true);
        GradientCheck.check(pool, ctx, GradientCheck.random(2 * in.size(), 52, 1), 2, ALL, 53);
    }

    @ParameterizedTest
    @EnumSource(Activation.Kind.class)
    void activation(Activation.Kind kind) {
        Shape in = new Shape(2, 3, 3);
        Activation act = new Activation(in, kind, 0.1f);
        Context ctx = GradientCheck.context(act, 61, true);
        float[] x = GradientCheck.random(2 * in.size(), 62, 3);
        // keep clear of the kink at 0 (relu, leaky relu) by more than the finite-difference step
        for (int i = 0; i < x.length; i++) if (Math.abs(x[i]) < 0.05f) x[i] = x[i] < 0 ? -0.05f : 0.05f;
        GradientCheck.check(act, ctx, x, 2, ALL, 63);
    }

    @Test
    void flatten() {
        Shape in = new Shape(2, 3, 2);
        Flatten f = new Flatten(in);
        Context ctx = GradientCheck.context(f, 71, true);
        GradientCheck.check(f, ctx, GradientCheck.random(2 * in.size(), 72, 1), 2, ALL, 73);
    }

    @Test
    void dropoutTrainingGradientAndMask() {
        Shape in = new Shape(4, 5, 5);
        Dropout d = new Dropout(in, 0.3f);
        Context ctx = GradientCheck.context(d, 81, true);
        ctx.dropoutSeed = 99;
        ctx.sampleKeys = new long[] {7, 8, 9};
        GradientCheck.check(d, ctx, GradientCheck.random(3 * in.size(), 82, 1), 3, ALL, 83);

        // about 30% dropped, survivors scaled by 1/0.7
        int n = 100;
        ctx.sampleKeys = new long[n];
        for (int i = 0; i < n; i++) ctx.sampleKeys[i] = i;
        float[] x = new float[n * in.size()];
        java.util.Arrays.fill(x, 1f);
        float[] y = new float[x.length];
        d.forward(ctx, d.allocate(n), x, y, n);
        int dropped = 0;
        for (float v : y) {
            if (v == 0f) dropped++;
            else assertEquals(1 / 0.7f, v, 1e-6f);
        }
        assertEquals(0.3, dropped / (double) y.length, 0.02);
    }

    @Test
    void dropoutMaskDependsOnSampleKeyNotPosition() {
        Shape in = new Shape(1, 4, 4);
        Dropout d = new Dropout(in, 0.5f);
        Context ctx = GradientCheck.context(d, 91, true);
        ctx.dropoutSeed = 5;
        float[] x = new float[2 * in.size()];
        java.util.Arrays.fill(x, 1f);
        float[] y1 = new float[x.length], y2 = new float[x.length];
        ctx.sampleKeys = new long[] {100, 200};
        d.forward(ctx, d.allocate(2), x, y1, 2);
        ctx.sampleKeys = new long[] {200, 100};
        d.forward(ctx, d.allocate(2), x, y2, 2);
        for (int e = 0; e < in.size(); e++) {
            assertEquals(y1[e], y2[in.size() + e], "sample 100 keeps its mask in another position");
            assertEquals(y1[in.size() + e], y2[e]);
        }
        ctx.dropoutSeed = 6;
        float[] y3 = new float[x.length];
        d.forward(ctx, d.allocate(2), x, y3, 2);
        assertNotEquals(java.util.Arrays.toString(y2), java.util.Arrays.toString(y3), "another seed gives another mask");
        ctx.training = false;
        d.forward(ctx, d.allocate(2), x, y3, 2);
        for (float v : y3) assertEquals(1f, v, "evaluation is the identity");
    }

    @ParameterizedTest(name = "batchnorm {0} group={1} training={2}")
    @CsvSource({"3x4x4, 0, true", "3x4x4, 2, true", "6x1x1, 2, true", "6x1x1, 0, true", "3x4x4, 0, false"})
    void batchNorm(String shape, int group, boolean training) {
        Shape in = Shape.parse(shape);
        BatchNorm bn = new BatchNorm(in, 1e-5f);
        Context ctx = GradientCheck.context(bn, 101, training);
        ctx.normGroupSize = group;
        int n = 5;   // with group 2: groups of 2, 2 and 1 (a lone vector sample normalises to beta)
        float[] x = GradientCheck.random(n * in.size(), 102, 2);
        GradientCheck.check(bn, ctx, x, n, ALL, 103);
    }

    /**
     * Batch norm at 10x tighter agreement than the other layers (the layer is smooth and its sums
     * run in double), with groups of 3 samples x 3x3 pixels = 27 values: an n/(n-1) slip between
     * forward and backward (an unbiased variance on one side, or dividing a mean by count - 1)
     * changes gradients by 1/26 ~ 4%, twenty times the relative tolerance. Every input and
     * parameter coordinate is checked, in training (ghost groups 3, 3, 1 of 7 samples) and evaluation.
     */
    @ParameterizedTest(name = "batchnorm tight {0} group={1} training={2}")
    @CsvSource({"4x3x3, 3, true", "4x3x3, 0, true", "5x1x1, 4, true", "4x3x3, 3, false"})
    void batchNormTight(String shape, int group, boolean training) {
        Shape in = Shape.parse(shape);
        BatchNorm bn = new BatchNorm(in, 1e-5f);
        Context ctx = GradientCheck.context(bn, 201, training);
        ctx.normGroupSize = group;
        int n = 7;
        float[] x = GradientCheck.random(n * in.size(), 202, 2);
        for (int i = 0; i < x.length; i++) x[i] += 0.5f;   // a mean away from 0: the mean's terms matter
        GradientCheck.check(bn, ctx, x, n, ALL, 203, 2e-4, 2e-3);
    }

    @Test
    void batchNormNormalisesAndRecordsStatistics() {
        Shape in = new Shape(2, 3, 3);
        BatchNorm bn = new BatchNorm(in, 1e-5f);
        bn.place(0, 0, 0);
        Context ctx = new Context(dev.sparkcnn.kernels.gemm.Gemms.create());
        ctx.params = new float[bn.paramCount()];
        bn.initParams(ctx.params, 0);
        ctx.state = new float[bn.stateCount()];
        bn.initState(ctx.state);
        ctx.stats = new float[bn.stateCount()];
        ctx.training = true;
        int n = 4;
        float[] x = GradientCheck.random(n * in.size(), 5, 3);
        for (int i = 0; i < x.length; i++) x[i] += 2;   // mean ~2
        float[] y = new float[x.length];
        bn.forward(ctx, bn.allocate(n), x, y, n);
        for (int c = 0; c < 2; c++) {
            double s = 0, sq = 0, xs = 0, xsq = 0;
            for (int i = 0; i < n; i++) {
                for (int e = 0; e < 9; e++) {
                    double v = y[i * 18 + c * 9 + e], u = x[i * 18 + c * 9 + e];
                    s += v;
                    sq += v * v;
                    xs += u;
                    xsq += u * u;
                }
            }
            assertEquals(0, s / 36, 1e-5, "mean of the normalised output");
            assertEquals(1, sq / 36, 1e-3, "variance of the normalised output");
            double mean = xs / 36, unbiased = (xsq - 36 * mean * mean) / 35;
            assertEquals(mean, ctx.stats[c], 1e-5);
            assertEquals(unbiased, ctx.stats[2 + c], 1e-4);
        }
    }

    @ParameterizedTest(name = "residual {0} -> filters={1} stride={2}")
    @CsvSource({"4x6x6, 4, 1", "3x6x6, 5, 2", "3x5x5, 3, 2"})
    void residualBlock(String shape, int filters, int stride) {
        Shape in = Shape.parse(shape);
        ResidualBlock block = new ResidualBlock(in, filters, stride, 1e-5f);
        assertEquals(in.channels() != filters || stride != 1, block.hasProjection());
        Context ctx = GradientCheck.context(block, 111, true);
        GradientCheck.check(block, ctx, GradientCheck.random(3 * in.size(), 112, 1), 3, 80, 113);
    }

    @Test
    void checkCanFail() {
        // a layer whose backward is off by a factor must be caught by the same harness
        Shape in = new Shape(1, 2, 2);
        Layer wrong = new Layer("doubling", in, in) {
            @Override
            public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
                for (int i = 0; i < n * 4; i++) y[i] = 2 * x[i];
            }

            @Override
            public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
                for (int i = 0; i < n * 4; i++) dx[i] = 2.1f * dy[i];
            }

            @Override
            public String describe() {
                return "";
            }
        };
        Context ctx = GradientCheck.context(wrong, 1, true);
        assertThrowsAssertion(() -> GradientCheck.check(wrong, ctx, GradientCheck.random(4, 2, 1), 1, ALL, 3));
    }

    private static void assertThrowsAssertion(Runnable r) {
        boolean failed = false;
        try {
            r.run();
        } catch (AssertionError e) {
            failed = true;
        }
        assertTrue(failed, "the gradient check did not detect a wrong backward pass");
    }
}
