package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.VectorGemm;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Passes} on the JDK Vector API, for contexts with Vector-API kernels. One instance per
 * context (it owns the lane scratch of its sums), so per thread.
 *
 * <p>Sums keep two vector accumulators (2 x VL float chains), add them lanewise, and add the lanes
 * in double in lane order: {@code reduceLanes(ADD)} is left alone because the Vector API leaves its
 * order unspecified, and a run must be bitwise reproducible. The maps compute exactly what the
 * plain loops compute (multiply then add, Math.max semantics), so only the sums' rounding differs
 * from {@link Passes}.
 */
final class VectorPasses extends Passes {

    private static final VectorSpecies<Float> S = VectorGemm.species();
    private static final int VL = S.length();

    private final float[] lanes = new float[VL];
    private final float[] lanes2 = new float[VL];

    /** The lanes of v, added in double in lane order. */
    private double lanesSum(FloatVector v, float[] buf) {
        v.intoArray(buf, 0);
        double s = 0;
        for (int i = 0; i < VL; i++) s += buf[i];
        return s;
    }

    @Override
    double sum(float[] a, int off, int len) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int e = off, end = off + len;
        for (; e + 2 * VL <= end; e += 2 * VL) {
            s0 = s0.add(FloatVector.fromArray(S, a, e));
            s1 = s1.add(FloatVector.fromArray(S, a, e + VL));
        }
        double s = lanesSum(s0.add(s1), lanes);
        for (; e < end; e++) s += a[e];
        return s;
    }

    // ---- batch-norm statistics over the planes of a channel ----------------------------------------
    // Each plane sums in float vector lanes (two chains) as sum() does; the lanes then go into double
    // lane accumulators, lane by lane, and those are added once, in lane order, after the last plane
    // (a per-plane reduction is a chain of VL dependent double adds: most of the time at 8x8 planes).
    // The scalar tails add into one double in plane order. Every order is fixed: bitwise reproducible.

    private final double[] acc = new double[VL];
    private final double[] acc2 = new double[VL];

    private static void addLanes(FloatVector v, float[] buf, double[] acc) {
        v.intoArray(buf, 0);
        for (int l = 0; l < VL; l++) acc[l] += buf[l];
    }

    private static double inLaneOrder(double[] acc) {
        double s = 0;
        for (int l = 0; l < VL; l++) s += acc[l];
        return s;
    }

    @Override
    double sumPlanes(float[] a, int off, int len, int stride, int count) {
        Arrays.fill(acc, 0);
        double tail = 0;
        for (int i = 0; i < count; i++) {
            int e = off + i * stride, end = e + len;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (; e + 2 * VL <= end; e += 2 * VL) {
                s0 = s0.add(FloatVector.fromArray(S, a, e));
                s1 = s1.add(FloatVector.fromArray(S, a, e + VL));
            }
            addLanes(s0.add(s1), lanes, acc);
            for (; e < end; e++) tail += a[e];
        }
        return inLaneOrder(acc) + tail;
    }

    @Override
    double squaredDeviationsPlanes(float[] a, int off, int len, int stride, int count, float m) {
        Arrays.fill(acc, 0);
        double tail = 0;
        for (int i = 0; i < count; i++) {
            int e = off + i * stride, end = e + len;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (; e + 2 * VL <= end; e += 2 * VL) {
                FloatVector d0 = FloatVector.fromArray(S, a, e).sub(m);
                FloatVector d1 = FloatVector.fromArray(S, a, e + VL).sub(m);
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
            }
            addLanes(s0.add(s1), lanes, acc);
            for (; e < end; e++) {
                double d = a[e] - m;
                tail += d * d;
            }
        }
        return inLaneOrder(acc) + tail;
    }

    @Override
    void sumAndDotPlanes(float[] g, float[] x, int off, int len, int stride, int count, double[] out) {
        Arrays.fill(acc, 0);
        Arrays.fill(acc2, 0);
        double tailS = 0, tailD = 0;
        for (int i = 0; i < count; i++) {
            int e = off + i * stride, end = e + len;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
            for (; e + 2 * VL <= end; e += 2 * VL) {
                FloatVector g0 = FloatVector.fromArray(S, g, e);
                FloatVector g1 = FloatVector.fromArray(S, g, e + VL);
                s0 = s0.add(g0);
                s1 = s1.add(g1);
                d0 = g0.fma(FloatVector.fromArray(S, x, e), d0);
                d1 = g1.fma(FloatVector.fromArray(S, x, e + VL), d1);
            }
            addLanes(s0.add(s1), lanes, acc);
            addLanes(d0.add(d1), lanes2, acc2);
            for (; e < end; e++) {
                tailS += g[e];
                tailD += (double) g[e] * x[e];
            }
        }
        out[0] = inLaneOrder(acc) + tailS;
        out[1] = inLaneOrder(acc2) + tailD;
    }

    @Override
    void maskSumAndDotPlanes(float[] y, float[] dy, float[] masked, float[] x, int off, int len, int stride, int count, double[] out) {
        // the order of sumAndDotPlanes exactly, on the masked values, written as they are made
        Arrays.fill(acc, 0);
        Arrays.fill(acc2, 0);
        double tailS = 0, tailD = 0;
        for (int i = 0; i < count; i++) {
            int e = off + i * stride, end = e + len;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
            for (; e + 2 * VL <= end; e += 2 * VL) {
                FloatVector g0 = mask(y, dy, e);
                FloatVector g1 = mask(y, dy, e + VL);
                g0.intoArray(masked, e);
                g1.intoArray(masked, e + VL);
                s0 = s0.add(g0);
                s1 = s1.add(g1);
                d0 = g0.fma(FloatVector.fromArray(S, x, e), d0);
                d1 = g1.fma(FloatVector.fromArray(S, x, e + VL), d1);
            }
            addLanes(s0.add(s1), lanes, acc);
            addLanes(d0.add(d1), lanes2, acc2);
            if (e < end) {
                super.reluMask(y, dy, masked, e, end - e);
                for (; e < end; e++) {
                    tailS += masked[e];
                    tailD += (double) masked[e] * x[e];
                }
            }
        }
        out[0] = inLaneOrder(acc) + tailS;
        out[1] = inLaneOrder(acc2) + tailD;
    }

    /** dy's VL floats at e where y's are not +0 (the plain loop's bit trick in int lanes: keep = (yb | -yb) >> 31). */
    private static FloatVector mask(float[] y, float[] dy, int e) {
        IntVector yb = FloatVector.fromArray(S, y, e).reinterpretAsInts();
        IntVector keep = yb.or(yb.neg()).lanewise(VectorOperators.ASHR, 31);
        return FloatVector.fromArray(S, dy, e).reinterpretAsInts().and(keep).reinterpretAsFloats();
    }

    @Override
    void reluMask(float[] y, float[] dy, float[] dx, int off, int len) {
        int e = off, end = off + len;
        for (; e + VL <= end; e += VL) mask(y, dy, e).intoArray(dx, e);
        if (e < end) super.reluMask(y, dy, dx, e, end - e);
    }

    @Override
    void normalise(float[] x, float[] y, int off, int len, float scale, float shift, float[] r, boolean relu) {
        int e = off, end = off + len;
        if (r == null && !relu) {
            for (; e + VL <= end; e += VL) FloatVector.fromArray(S, x, e).mul(scale).add(shift).intoArray(y, e);
        } else if (r == null) {
            for (; e + VL <= end; e += VL) FloatVector.fromArray(S, x, e).mul(scale).add(shift).max(0f).intoArray(y, e);
        } else if (relu) {
            for (; e + VL <= end; e += VL) {
                FloatVector.fromArray(S, x, e).mul(scale).add(shift).add(FloatVector.fromArray(S, r, e)).max(0f).intoArray(y, e);
            }
        } else {
            for (; e + VL <= end; e += VL) {
                FloatVector.fromArray(S, x, e).mul(scale).add(shift).add(FloatVector.fromArray(S, r, e)).intoArray(y, e);
            }
        }
        if (e < end) super.normalise(x, y, e, end - e, scale, shift, r, relu);
    }

    @Override
    void affine2(float[] g, float[] x, float[] out, int off, int len, float a, float b, float c) {
        int e = off, end = off + len;
        for (; e + VL <= end; e += VL) {
            FloatVector.fromArray(S, g, e).mul(a).add(FloatVector.fromArray(S, x, e).mul(b)).add(c).intoArray(out, e);
        }
        if (e < end) super.affine2(g, x, out, e, end - e, a, b, c);
    }

    // ---- the convolutions' transposes, 16 x 16 blocks in registers -------------------------------------
    // A block of 16 rows of 16 floats is transposed by four stages of lane swaps (blocks of 8, 4, 2
    // and 1 lanes between rows 8, 4, 2 and 1 apart): each output row is one rearrange and one blend,
    // 128 vector operations for 256 floats where the scalar loops make a load and a store per float
    // (3-4x faster: 0.21-0.24 against 0.70-0.88 ns per float on 32x256 and 64x64 in isolation). The
    // shuffles are constants of 16-lane vectors; other vector lengths keep the plain loops. Blocks
    // cover the multiples of 16 of both sides; the rest (tails) is the plain loops' work.

    /** Blocks need 16-lane vectors; {@code -Dsparkcnn.conv.transposeBlocks=false} keeps the loops (to compare). */
    private static final boolean BLOCKS = VL == 16 && Boolean.parseBoolean(System.getProperty("sparkcnn.conv.transposeBlocks", "true"));
    private static final VectorShuffle<Float> UP0 = shift(8, true), UP1 = shift(4, true), UP2 = shift(2, true), UP3 = shift(1, true);
    private static final VectorShuffle<Float> DN0 = shift(8, false), DN1 = shift(4, false), DN2 = shift(2, false), DN3 = shift(1, false);
    private static final VectorMask<Float> ODD0 = odd(8), ODD1 = odd(4), ODD2 = odd(2), ODD3 = odd(1);
    private static final int[] ROWS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final float[] PLUS_ZEROS = new float[16], MINUS_ZEROS = new float[16];
    static {
        Arrays.fill(MINUS_ZEROS, -0f);
    }

    /** Lane p takes lane p - d (up) or p + d (down), wrapped (the wrapped lanes are blended away). */
    private static VectorShuffle<Float> shift(int d, boolean up) {
        if (!BLOCKS) return null;
        int[] idx = new int[VL];
        for (int p = 0; p < VL; p++) idx[p] = (up ? p - d + VL : p + d) % VL;
        return VectorShuffle.fromArray(S, idx, 0);
    }

    /** The lanes in the odd blocks of d lanes. */
    private static VectorMask<Float> odd(int d) {
        if (!BLOCKS) return null;
        boolean[] m = new boolean[VL];
        for (int p = 0; p < VL; p++) m[p] = (p / d) % 2 == 1;
        return VectorMask.fromArray(S, m, 0);
    }

    @Override
    void transposeOut(float[] src, int cols, int len, float[] dst, int dstOff, float[] biasArr, int b) {
        int lenB = BLOCKS ? len / 16 * 16 : 0, colsB = BLOCKS ? cols / 16 * 16 : 0;
        for (int q0 = 0; q0 < lenB; q0 += 16) {
            for (int k0 = 0; k0 < colsB; k0 += 16) {
                // rows: pixels q0.. (stride cols); out rows: channels k0.. (stride len), + bias or +0
                block(src, q0 * cols + k0, cols, dst, dstOff + k0 * len + q0, len, ROWS, 0, biasArr == null ? PLUS_ZEROS : biasArr, biasArr == null ? 0 : b + k0);
            }
        }
        if (colsB == cols && lenB == len) return;
        // tails: the channels past the blocks for every pixel, then the pixels past them for the rest
        for (int k = colsB; k < cols; k++) {
            int d = dstOff + k * len;
            float add = biasArr == null ? 0f : biasArr[b + k];
            for (int q = 0; q < len; q++) dst[d + q] = src[q * cols + k] + add;
        }
        for (int k = 0; k < colsB; k++) {
            int d = dstOff + k * len;
            float add = biasArr == null ? 0f : biasArr[b + k];
            for (int q = lenB; q < len; q++) dst[d + q] = src[q * cols + k] + add;
        }
    }

    @Override
    void transposeIn(float[] src, int srcOff, int cols, int len, float[] dst, int[] at) {
        int lenB = BLOCKS ? len / 16 * 16 : 0, colsB = BLOCKS ? cols / 16 * 16 : 0;
        for (int q0 = 0; q0 < lenB; q0 += 16) {
            for (int k0 = 0; k0 < colsB; k0 += 16) {
                // rows: channels k0.. (stride len); out rows: pixels q0.. at (at[q] or q) * cols + k0
                // + -0 leaves every value as it is (-0 included)
                if (at == null) block(src, srcOff + k0 * len + q0, len, dst, q0 * cols + k0, cols, ROWS, 0, MINUS_ZEROS, 0);
                else block(src, srcOff + k0 * len + q0, len, dst, k0, cols, at, q0, MINUS_ZEROS, 0);
            }
        }
        if (colsB == cols && lenB == len) return;
        for (int k = 0; k < cols; k++) {
            int s = srcOff + k * len;
            for (int q = k < colsB ? lenB : 0; q < len; q++) dst[(at == null ? q : at[q]) * cols + k] = src[s + q];
        }
    }

    /**
     * Rows r0..r15 at src[s + i * ss], plus bias[b .. b + 16) lanewise, transposed: row j goes to
     * dst[d + at[a0 + j] * ds]. No branches and no calls: C2 compiled a store helper out of line here
     * (past its node count), boxing every vector passed to it, and each branch first taken after the
     * compilation (bias or not, a row table or not) cost a deoptimisation and ~0.4 s of recompiling.
     */
    private static void block(float[] src, int s, int ss, float[] dst, int d, int ds, int[] at, int a0, float[] bias, int b) {
        FloatVector r0 = FloatVector.fromArray(S, src, s), r1 = FloatVector.fromArray(S, src, s + ss);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * ss), r3 = FloatVector.fromArray(S, src, s + 3 * ss);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * ss), r5 = FloatVector.fromArray(S, src, s + 5 * ss);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * ss), r7 = FloatVector.fromArray(S, src, s + 7 * ss);
        FloatVector r8 = FloatVector.fromArray(S, src, s + 8 * ss), r9 = FloatVector.fromArray(S, src, s + 9 * ss);
        FloatVector r10 = FloatVector.fromArray(S, src, s + 10 * ss), r11 = FloatVector.fromArray(S, src, s + 11 * ss);
        FloatVector r12 = FloatVector.fromArray(S, src, s + 12 * ss), r13 = FloatVector.fromArray(S, src, s + 13 * ss);
        FloatVector r14 = FloatVector.fromArray(S, src, s + 14 * ss), r15 = FloatVector.fromArray(S, src, s + 15 * ss);
        // the rows' lanes are the 16 channels: one vector of their biases (or of +-0) for all rows
        FloatVector bv = FloatVector.fromArray(S, bias, b);
        r0 = r0.add(bv); r1 = r1.add(bv); r2 = r2.add(bv); r3 = r3.add(bv);
        r4 = r4.add(bv); r5 = r5.add(bv); r6 = r6.add(bv); r7 = r7.add(bv);
        r8 = r8.add(bv); r9 = r9.add(bv); r10 = r10.add(bv); r11 = r11.add(bv);
        r12 = r12.add(bv); r13 = r13.add(bv); r14 = r14.add(bv); r15 = r15.add(bv);
        FloatVector t;
        t = r0.blend(r8.rearrange(UP0), ODD0); r8 = r0.rearrange(DN0).blend(r8, ODD0); r0 = t;
        t = r1.blend(r9.rearrange(UP0), ODD0); r9 = r1.rearrange(DN0).blend(r9, ODD0); r1 = t;
        t = r2.blend(r10.rearrange(UP0), ODD0); r10 = r2.rearrange(DN0).blend(r10, ODD0); r2 = t;
        t = r3.blend(r11.rearrange(UP0), ODD0); r11 = r3.rearrange(DN0).blend(r11, ODD0); r3 = t;
        t = r4.blend(r12.rearrange(UP0), ODD0); r12 = r4.rearrange(DN0).blend(r12, ODD0); r4 = t;
        t = r5.blend(r13.rearrange(UP0), ODD0); r13 = r5.rearrange(DN0).blend(r13, ODD0); r5 = t;
        t = r6.blend(r14.rearrange(UP0), ODD0); r14 = r6.rearrange(DN0).blend(r14, ODD0); r6 = t;
        t = r7.blend(r15.rearrange(UP0), ODD0); r15 = r7.rearrange(DN0).blend(r15, ODD0); r7 = t;
        t = r0.blend(r4.rearrange(UP1), ODD1); r4 = r0.rearrange(DN1).blend(r4, ODD1); r0 = t;
        t = r1.blend(r5.rearrange(UP1), ODD1); r5 = r1.rearrange(DN1).blend(r5, ODD1); r1 = t;
        t = r2.blend(r6.rearrange(UP1), ODD1); r6 = r2.rearrange(DN1).blend(r6, ODD1); r2 = t;
        t = r3.blend(r7.rearrange(UP1), ODD1); r7 = r3.rearrange(DN1).blend(r7, ODD1); r3 = t;
        t = r8.blend(r12.rearrange(UP1), ODD1); r12 = r8.rearrange(DN1).blend(r12, ODD1); r8 = t;
        t = r9.blend(r13.rearrange(UP1), ODD1); r13 = r9.rearrange(DN1).blend(r13, ODD1); r9 = t;
        t = r10.blend(r14.rearrange(UP1), ODD1); r14 = r10.rearrange(DN1).blend(r14, ODD1); r10 = t;
        t = r11.blend(r15.rearrange(UP1), ODD1); r15 = r11.rearrange(DN1).blend(r15, ODD1); r11 = t;
        t = r0.blend(r2.rearrange(UP2), ODD2); r2 = r0.rearrange(DN2).blend(r2, ODD2); r0 = t;
        t = r1.blend(r3.rearrange(UP2), ODD2); r3 = r1.rearrange(DN2).blend(r3, ODD2); r1 = t;
        t = r4.blend(r6.rearrange(UP2), ODD2); r6 = r4.rearrange(DN2).blend(r6, ODD2); r4 = t;
        t = r5.blend(r7.rearrange(UP2), ODD2); r7 = r5.rearrange(DN2).blend(r7, ODD2); r5 = t;
        t = r8.blend(r10.rearrange(UP2), ODD2); r10 = r8.rearrange(DN2).blend(r10, ODD2); r8 = t;
        t = r9.blend(r11.rearrange(UP2), ODD2); r11 = r9.rearrange(DN2).blend(r11, ODD2); r9 = t;
        t = r12.blend(r14.rearrange(UP2), ODD2); r14 = r12.rearrange(DN2).blend(r14, ODD2); r12 = t;
        t = r13.blend(r15.rearrange(UP2), ODD2); r15 = r13.rearrange(DN2).blend(r15, ODD2); r13 = t;
        t = r0.blend(r1.rearrange(UP3), ODD3); r1 = r0.rearrange(DN3).blend(r1, ODD3); r0 = t;
        t = r2.blend(r3.rearrange(UP3), ODD3); r3 = r2.rearrange(DN3).blend(r3, ODD3); r2 = t;
        t = r4.blend(r5.rearrange(UP3), ODD3); r5 = r4.rearrange(DN3).blend(r5, ODD3); r4 = t;
        t = r6.blend(r7.rearrange(UP3), ODD3); r7 = r6.rearrange(DN3).blend(r7, ODD3); r6 = t;
        t = r8.blend(r9.rearrange(UP3), ODD3); r9 = r8.rearrange(DN3).blend(r9, ODD3); r8 = t;
        t = r10.blend(r11.rearrange(UP3), ODD3); r11 = r10.rearrange(DN3).blend(r11, ODD3); r10 = t;
        t = r12.blend(r13.rearrange(UP3), ODD3); r13 = r12.rearrange(DN3).blend(r13, ODD3); r12 = t;
        t = r14.blend(r15.rearrange(UP3), ODD3); r15 = r14.rearrange(DN3).blend(r15, ODD3); r14 = t;
        r0.intoArray(dst, d + at[a0] * ds);
        r1.intoArray(dst, d + at[a0 + 1] * ds);
        r2.intoArray(dst, d + at[a0 + 2] * ds);
        r3.intoArray(dst, d + at[a0 + 3] * ds);
        r4.intoArray(dst, d + at[a0 + 4] * ds);
        r5.intoArray(dst, d + at[a0 + 5] * ds);
        r6.intoArray(dst, d + at[a0 + 6] * ds);
        r7.intoArray(dst, d + at[a0 + 7] * ds);
        r8.intoArray(dst, d + at[a0 + 8] * ds);
        r9.intoArray(dst, d + at[a0 + 9] * ds);
        r10.intoArray(dst, d + at[a0 + 10] * ds);
        r11.intoArray(dst, d + at[a0 + 11] * ds);
        r12.intoArray(dst, d + at[a0 + 12] * ds);
        r13.intoArray(dst, d + at[a0 + 13] * ds);
        r14.intoArray(dst, d + at[a0 + 14] * ds);
        r15.intoArray(dst, d + at[a0 + 15] * ds);
    }

    @Override
    void addInto(float[] a, float[] b, int off, int len) {
        int e = off, end = off + len;
        for (; e + VL <= end; e += VL) FloatVector.fromArray(S, a, e).add(FloatVector.fromArray(S, b, e)).intoArray(a, e);
        if (e < end) super.addInto(a, b, e, end - e);
    }
}
