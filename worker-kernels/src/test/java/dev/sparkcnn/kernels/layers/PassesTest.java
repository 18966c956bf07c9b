package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.Gemms;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector-API passes against the plain ones and against sums in double: the maps must agree
 * bitwise (zeros of both signs, NaN, odd lengths and offsets that leave a scalar tail), the sums
 * to float rounding of their chains. The surrounding arrays are checked untouched.
 */
class PassesTest {

    private final Passes plain = Passes.SCALAR;
    private final Passes vec = vector();

    private static Passes vector() {
        assertTrue(Gemms.vectorApiAvailable(), "tests run with the Vector API module");
        return Passes.vector();
    }

    private static final int[] LENGTHS = {1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 100, 1024, 1031};

    private static float[] data(SplittableRandom r, int n, boolean special) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 3 + 0.5);
            if (special) {
                int k = r.nextInt(10);
                if (k == 0) a[i] = 0f;
                else if (k == 1) a[i] = -0f;
                else if (k == 2) a[i] = Float.NaN;
            }
        }
        return a;
    }

    @Test
    void mapsAreBitwiseThePlainLoops() {
        SplittableRandom r = new SplittableRandom(7);
        for (int len : LENGTHS) {
            int off = r.nextInt(5), n = off + len + 5;
            float[] x = data(r, n, true), g = data(r, n, true), res = data(r, n, true);
            float[] y0 = data(r, n, false), y1 = y0.clone();
            float scale = (float) r.nextGaussian(), shift = (float) r.nextGaussian();
            for (int variant = 0; variant < 4; variant++) {
                float[] rr = variant >= 2 ? res : null;
                boolean relu = variant % 2 == 1;
                plain.normalise(x, y0, off, len, scale, shift, rr, relu);
                vec.normalise(x, y1, off, len, scale, shift, rr, relu);
                assertBitwise(y0, y1, "normalise variant " + variant + " len " + len);
            }
            plain.affine2(g, x, y0, off, len, scale, shift, 0.25f);
            vec.affine2(g, x, y1, off, len, scale, shift, 0.25f);
            assertBitwise(y0, y1, "affine2 len " + len);
            // ReLU outputs are >= 0 or NaN: +0 drops the gradient, anything else keeps it
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = Math.max(x[i], 0f);
            plain.reluMask(out, g, y0, off, len);
            vec.reluMask(out, g, y1, off, len);
            assertBitwise(y0, y1, "reluMask len " + len);
            for (int i = off; i < off + len; i++) {
                int want = Float.floatToRawIntBits(out[i]) == 0 ? 0 : Float.floatToRawIntBits(g[i]);
                assertEquals(want, Float.floatToRawIntBits(y1[i]), "reluMask element " + i);
            }
            float[] a0 = data(r, n, false), a1 = a0.clone();
            plain.addInto(a0, g, off, len);
            vec.addInto(a1, g, off, len);
            assertBitwise(a0, a1, "addInto len " + len);
        }
    }

    @Test
    void sumsAgreeWithDoubleReferences() {
        SplittableRandom r = new SplittableRandom(11);
        double[] o0 = new double[2], o1 = new double[2];
        for (int len : LENGTHS) {
            int off = r.nextInt(5), n = off + len + 5;
            float[] a = data(r, n, false);
            double sum = 0, abs = 0;
            for (int i = off; i < off + len; i++) {
                sum += a[i];
                abs += Math.abs(a[i]);
            }
            // one run: the convolution bias gradient's sum
            for (Passes p : new Passes[] {plain, vec}) {
                assertEquals(sum, p.sum(a, off, len), 1e-6 * abs + 1e-12, "sum " + (p == vec ? "vector" : "plain") + " len " + len);
            }
        }
        // the batch-norm statistics: a run (a channel's plane) in each of count images, stride apart
        int[] counts = {1, 2, 3, 16, 64};
        for (int len : LENGTHS) {
            for (int count : counts) {
                int off = r.nextInt(5), stride = len + r.nextInt(40), n = off + (count - 1) * stride + len + 5;
                float[] a = data(r, n, false), b = data(r, n, false);
                float m = 0.4f;
                double sum = 0, abs = 0, sq = 0, sumB = 0, dot = 0, absDot = 0;
                for (int i = 0; i < count; i++) {
                    for (int e = off + i * stride; e < off + i * stride + len; e++) {
                        sum += a[e];
                        abs += Math.abs(a[e]);
                        sq += ((double) a[e] - m) * ((double) a[e] - m);
                        sumB += b[e];
                        dot += (double) b[e] * a[e];
                        absDot += Math.abs((double) b[e] * a[e]);
                    }
                }
                for (Passes p : new Passes[] {plain, vec}) {
                    String what = (p == vec ? "vector" : "plain") + " len " + len + " count " + count;
                    assertEquals(sum, p.sumPlanes(a, off, len, stride, count), 1e-6 * abs + 1e-12, "sum " + what);
                    assertEquals(sq, p.squaredDeviationsPlanes(a, off, len, stride, count, m), 1e-6 * sq + 1e-12, "squared deviations " + what);
                    p.sumAndDotPlanes(b, a, off, len, stride, count, o0);
                    assertEquals(sumB, o0[0], 1e-6 * abs + 1e-12, "sumAndDot sum " + what);
                    assertEquals(dot, o0[1], 1e-6 * absDot + 1e-12, "sumAndDot dot " + what);
                }
                // the fused mask-and-sum pass is the mask, then the sums, bit for bit; floats between
                // the runs are left alone
                float[] y = new float[n];
                for (int i = 0; i < n; i++) y[i] = Math.max(b[i] - 0.3f, 0f);
                for (Passes p : new Passes[] {plain, vec}) {
                    float[] m0 = new float[n], m1 = new float[n];
                    java.util.Arrays.fill(m0, 7f);
                    java.util.Arrays.fill(m1, 7f);
                    for (int i = 0; i < count; i++) p.reluMask(y, a, m0, off + i * stride, len);
                    p.sumAndDotPlanes(m0, b, off, len, stride, count, o0);
                    p.maskSumAndDotPlanes(y, a, m1, b, off, len, stride, count, o1);
                    String what = (p == vec ? "vector" : "plain") + " len " + len + " count " + count;
                    assertBitwise(m0, m1, "maskSumAndDot mask " + what);
                    assertEquals(Double.doubleToRawLongBits(o0[0]), Double.doubleToRawLongBits(o1[0]), "maskSumAndDot sum " + what);
                    assertEquals(Double.doubleToRawLongBits(o0[1]), Double.doubleToRawLongBits(o1[1]), "maskSumAndDot dot " + what);
                }
                // fixed order: the same call gives the same bits
                vec.sumAndDotPlanes(b, a, off, len, stride, count, o1);
                vec.sumAndDotPlanes(b, a, off, len, stride, count, o0);
                assertEquals(Double.doubleToRawLongBits(o0[1]), Double.doubleToRawLongBits(o1[1]));
            }
        }
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + " at " + i);
        }
    }

    /**
     * The convolutions' transposes against index loops, bitwise (with bias, and +0 added without
     * one), for strides and lengths with and without a tail, and nothing written outside the
     * destination's block (the vector passes inherit them: gathers measured 2.2x faster in
     * isolation but were left as the Java fallback, allocating, inside the convolution's compiled code).
     */
    @Test
    void transposesMatchIndexLoops() {
        SplittableRandom r = new SplittableRandom(31);
        for (int trial = 0; trial < 60; trial++) {
            int cols = 1 + r.nextInt(70), len = 1 + r.nextInt(300), off = r.nextInt(9);
            float[] src = data(r, len * cols + off, true);
            float[] bias = r.nextBoolean() ? data(r, cols + 3, true) : null;
            int b = bias == null ? 0 : r.nextInt(4);
            float[] want = new float[off + cols * len + 5];
            java.util.Arrays.fill(want, 7f);
            for (int k = 0; k < cols; k++)
                for (int q = 0; q < len; q++) want[off + k * len + q] = src[q * cols + k] + (bias == null ? 0f : bias[b + k]);
            for (Passes ps : new Passes[] {plain, vec}) {
                float[] got = new float[want.length];
                java.util.Arrays.fill(got, 7f);
                ps.transposeOut(src, cols, len, got, off, bias, b);
                org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, ps.getClass().getSimpleName() + " transposeOut " + cols + " x " + len);
            }
            float[] wantIn = new float[cols * len + 5];
            java.util.Arrays.fill(wantIn, 7f);
            for (int k = 0; k < cols; k++)
                for (int q = 0; q < len; q++) wantIn[q * cols + k] = src[off + k * len + q];
            for (Passes ps : new Passes[] {plain, vec}) {
                float[] got = new float[wantIn.length];
                java.util.Arrays.fill(got, 7f);
                ps.transposeIn(src, off, cols, len, got);
                org.junit.jupiter.api.Assertions.assertArrayEquals(wantIn, got, ps.getClass().getSimpleName() + " transposeIn " + cols + " x " + len);
            }
        }
    }
}
