package dev.sparkcnn.kernels.layers;

/**
 * The passes over runs of floats that batch norm, ReLU and the convolution bias gradient make
 * besides GEMM: sums, the batch-norm maps, the ReLU mask, and the convolutions' transposes between
 * planes and channel-vectorised scratch. This class is the plain-Java version,
 * the reference, used wherever a context has no Vector-API kernels (EJML, or
 * {@code -Dsparkcnn.conv=im2col}); {@link VectorPasses} overrides every method with Vector-API
 * loops on contexts that have them ({@link Context#passes}).
 *
 * <p>Sums run in independent float chains combined in double: a single chain of dependent adds
 * runs at one element per FP-add latency, which made batch-norm statistics and convolution bias
 * gradients take milliseconds per batch. Each chain sums at most len/8 values in float before the
 * double combination; the order is fixed, so results are bitwise reproducible. The maps compute
 * exactly the same values in both versions (multiply, then add: no fused multiply-add).
 */
class Passes {

    static final Passes SCALAR = new Passes();

    private static final String VECTOR_CLASS = "dev.sparkcnn.kernels.layers.VectorPasses";

    /**
     * New Vector-API passes (each instance owns scratch: one per context). Loaded reflectively, so
     * that the layers link on a JVM without the incubator module; only contexts with Vector-API
     * kernels ask.
     */
    static Passes vector() {
        try {
            return (Passes) Class.forName(VECTOR_CLASS).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load " + VECTOR_CLASS + " (the JVM needs --add-modules jdk.incubator.vector)", e);
        }
    }

    Passes() {
    }

    /** Sum of a[off, off+len), in 8 independent float chains, returned as a double. */
    double sum(float[] a, int off, int len) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int e = off, end = off + len;
        for (; e + 7 < end; e += 8) {
            s0 += a[e];
            s1 += a[e + 1];
            s2 += a[e + 2];
            s3 += a[e + 3];
            s4 += a[e + 4];
            s5 += a[e + 5];
            s6 += a[e + 6];
            s7 += a[e + 7];
        }
        double s = ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
        for (; e < end; e++) s += a[e];
        return s;
    }

    /*
     * The statistics of a batch-norm channel: the same run (a channel's plane) in count images,
     * stride floats apart, summed into one double. Here plane by plane with the single-run passes;
     * VectorPasses keeps its vector lanes in double lanes across the planes and adds them once.
     */

    /** Sum over count runs a[off + i*stride, + len). */
    double sumPlanes(float[] a, int off, int len, int stride, int count) {
        double s = 0;
        for (int i = 0; i < count; i++) s += sum(a, off + i * stride, len);
        return s;
    }

    /** Sum of (a - m)^2 over count runs a[off + i*stride, + len). */
    double squaredDeviationsPlanes(float[] a, int off, int len, int stride, int count, float m) {
        double s = 0;
        for (int i = 0; i < count; i++) s += squaredDeviations(a, off + i * stride, len, m);
        return s;
    }

    /** out[0] = sum of g, out[1] = sum of g*x over count runs [off + i*stride, + len). */
    void sumAndDotPlanes(float[] g, float[] x, int off, int len, int stride, int count, double[] out) {
        double s = 0, d = 0;
        for (int i = 0; i < count; i++) {
            sumAndDot(g, x, off + i * stride, len, out);
            s += out[0];
            d += out[1];
        }
        out[0] = s;
        out[1] = d;
    }

    /** {@link #reluMask} of each run into masked, then {@link #sumAndDotPlanes} of masked and x. */
    void maskSumAndDotPlanes(float[] y, float[] dy, float[] masked, float[] x, int off, int len, int stride, int count, double[] out) {
        for (int i = 0; i < count; i++) reluMask(y, dy, masked, off + i * stride, len);
        sumAndDotPlanes(masked, x, off, len, stride, count, out);
    }

    /** Sum of (a - m)^2 over a[off, off+len). */
    double squaredDeviations(float[] a, int off, int len, float m) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int e = off, end = off + len;
        for (; e + 7 < end; e += 8) {
            float d0 = a[e] - m, d1 = a[e + 1] - m, d2 = a[e + 2] - m, d3 = a[e + 3] - m;
            float d4 = a[e + 4] - m, d5 = a[e + 5] - m, d6 = a[e + 6] - m, d7 = a[e + 7] - m;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        double s = ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
        for (; e < end; e++) {
            double d = a[e] - m;
            s += d * d;
        }
        return s;
    }

    /** out[0] = sum of g, out[1] = sum of g*x over [off, off+len), in one pass (4 + 4 float chains). */
    void sumAndDot(float[] g, float[] x, int off, int len, double[] out) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        int e = off, end = off + len;
        for (; e + 3 < end; e += 4) {
            float g0 = g[e], g1 = g[e + 1], g2 = g[e + 2], g3 = g[e + 3];
            s0 += g0;
            s1 += g1;
            s2 += g2;
            s3 += g3;
            d0 += g0 * x[e];
            d1 += g1 * x[e + 1];
            d2 += g2 * x[e + 2];
            d3 += g3 * x[e + 3];
        }
        double s = ((double) s0 + s1) + ((double) s2 + s3), d = ((double) d0 + d1) + ((double) d2 + d3);
        for (; e < end; e++) {
            s += g[e];
            d += (double) g[e] * x[e];
        }
        out[0] = s;
        out[1] = d;
    }

    /**
     * dx = dy where the ReLU output y is positive, 0 where it is 0, over [off, off+len) (dx may be dy).
     * Branch-free: y >= 0, so its bit pattern is 0 exactly when y == 0; a branch on the sign of
     * random activations mispredicts half the time (4x slower measured).
     */
    void reluMask(float[] y, float[] dy, float[] dx, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            int yb = Float.floatToRawIntBits(y[i]);
            int keep = (yb | -yb) >> 31;            // -1 if y > 0, else 0
            dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & keep);
        }
    }

    /** y = x*scale + shift (+ r) (then max(., 0)) over [off, off+len). */
    void normalise(float[] x, float[] y, int off, int len, float scale, float shift, float[] r, boolean relu) {
        int end = off + len;
        if (r == null && !relu) {
            for (int e = off; e < end; e++) y[e] = x[e] * scale + shift;
        } else if (r == null) {
            for (int e = off; e < end; e++) y[e] = Math.max(x[e] * scale + shift, 0f);
        } else if (relu) {
            for (int e = off; e < end; e++) y[e] = Math.max(x[e] * scale + shift + r[e], 0f);
        } else {
            for (int e = off; e < end; e++) y[e] = x[e] * scale + shift + r[e];
        }
    }

    /** out = a*g + b*x + c over [off, off+len) (out may be g). */
    void affine2(float[] g, float[] x, float[] out, int off, int len, float a, float b, float c) {
        int end = off + len;
        for (int e = off; e < end; e++) out[e] = a * g[e] + b * x[e] + c;
    }

    /** Pixels per tile of the transposes: a 16 x K tile of the (pixels x K) side is at most 4 KB, in L1. */
    private static final int TILE = 16;

    /**
     * dst (cols x len, at dstOff) = src^T (len x cols) + optional per-row bias (+0 without one, as
     * the vector version does). Tiled over TILE pixels, so that the strided side stays in L1 (a plain
     * loop wrote 128-byte-strided lines over 128 KB and was ~30% of a weight-gradient pass).
     */
    void transposeOut(float[] src, int cols, int len, float[] dst, int dstOff, float[] biasArr, int b) {
        for (int q0 = 0; q0 < len; q0 += TILE) {
            int q1 = Math.min(len, q0 + TILE);
            for (int k = 0; k < cols; k++) {
                int d = dstOff + k * len;
                float add = biasArr == null ? 0f : biasArr[b + k];
                for (int q = q0; q < q1; q++) dst[d + q] = src[q * cols + k] + add;
            }
        }
    }

    /** dst (len x cols) = the (cols x len) matrix at src[srcOff], transposed (tiled like {@link #transposeOut}). */
    void transposeIn(float[] src, int srcOff, int cols, int len, float[] dst) {
        for (int q0 = 0; q0 < len; q0 += TILE) {
            int q1 = Math.min(len, q0 + TILE);
            for (int k = 0; k < cols; k++) {
                int s = srcOff + k * len;
                for (int q = q0; q < q1; q++) dst[q * cols + k] = src[s + q];
            }
        }
    }

    /** a[off, off+len) += b[off, off+len). */
    void addInto(float[] a, float[] b, int off, int len) {
        for (int e = off, end = off + len; e < end; e++) a[e] += b[e];
    }
}
