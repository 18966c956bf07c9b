package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.VectorGemm;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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

    @Override
    void addInto(float[] a, float[] b, int off, int len) {
        int e = off, end = off + len;
        for (; e + VL <= end; e += VL) FloatVector.fromArray(S, a, e).add(FloatVector.fromArray(S, b, e)).intoArray(a, e);
        if (e < end) super.addInto(a, b, e, end - e);
    }
}
