package dev.sparkcnn.kernels.layers;

/**
 * Sums over a contiguous run of floats in independent float chains, combined in double: a single
 * chain of dependent adds runs at one element per FP-add latency (4 cycles), which made batch-norm
 * statistics and convolution bias gradients take milliseconds per batch. Each chain sums at most
 * len/8 values in float before the double combination; the order is fixed, so results are
 * bitwise reproducible.
 */
final class Reductions {

    private Reductions() {
    }

    /** Sum of a[off, off+len), in 8 independent float chains, returned as a double. */
    static double sum(float[] a, int off, int len) {
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

    /** Sum of (a - m)^2 over a[off, off+len). */
    static double squaredDeviations(float[] a, int off, int len, float m) {
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
    static void sumAndDot(float[] g, float[] x, int off, int len, double[] out) {
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
}
