package dev.sparkcnn.kernels.gemm;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The implicit-GEMM kernels against a plain triple loop in double precision, with random offset
 * tables (overlapping and repeated offsets, as convolution views have), every tile variant (8 and 16
 * rows, 1 and 2 vectors, an odd last vector, the 4 x 4 lane tiles of the pixel-vectorised weight
 * gradient), k across the KC block boundary, and C accumulated
 * on top of existing values.
 */
class ImplicitGemmTest {

    private static ImplicitGemm kernels() {
        Gemm gemm = Gemms.create();
        Assumptions.assumeTrue(gemm.implicitGemm() != null, "no implicit kernels without the Vector API");
        return gemm.implicitGemm();
    }

    @Test
    void implicitAMatchesLoops() {
        ImplicitGemm ig = kernels();
        int vl = ig.vectorLength(), mr = ig.rowBlock();
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 40; trial++) {
            // every other trial has m >= 56: the 14-row tiles, then 8-row tiles for the rest
            int m = mr * (trial % 2 == 0 ? 1 + r.nextInt(5) : 7 + r.nextInt(12)), n = vl * (1 + r.nextInt(4)), k = 1 + r.nextInt(600);
            int aLen = 50 + r.nextInt(500);
            float[] a = random(r, aLen);
            int[] aRow = new int[m + 3], aCol = new int[k + 5];
            int rowOff = r.nextInt(4), colOff = r.nextInt(6);
            for (int i = 0; i < aRow.length; i++) aRow[i] = r.nextInt(aLen / 2);
            for (int p = 0; p < aCol.length; p++) aCol[p] = r.nextInt(aLen / 2);
            int ldb = n + r.nextInt(3), bOff = r.nextInt(5), ldc = n + r.nextInt(3), cOff = r.nextInt(5);
            float[] b = random(r, bOff + k * ldb);
            float[] c = random(r, cOff + m * ldc);
            double[] expected = new double[c.length];
            for (int i = 0; i < c.length; i++) expected[i] = c[i];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) a[aRow[rowOff + i] + aCol[colOff + p]] * b[bOff + p * ldb + j];
                    expected[cOff + i * ldc + j] += s;
                }
            ig.implicitA(m, n, k, a, aRow, rowOff, aCol, colOff, b, bOff, ldb, c, cOff, ldc);
            assertClose(expected, c, k, "implicitA m=" + m + " n=" + n + " k=" + k);
        }
    }

    @Test
    void implicitBMatchesLoops() {
        ImplicitGemm ig = kernels();
        int vl = ig.vectorLength(), mr = ig.rowBlock();
        SplittableRandom r = new SplittableRandom(6);
        for (int trial = 0; trial < 40; trial++) {
            int m = mr * (1 + r.nextInt(4)), nVec = 1 + r.nextInt(5), k = 1 + r.nextInt(400);
            int ars = 1 + r.nextInt(2) * (k + 1), aps = ars == 1 ? m + r.nextInt(3) : 1;
            int aOff = r.nextInt(4);
            float[] a = random(r, aOff + (m - 1) * ars + (k - 1) * aps + 1);
            int bLen = 200 + r.nextInt(300);
            float[] b = random(r, bLen + vl);
            int[] bRow = new int[k], bVec = new int[nVec];
            for (int p = 0; p < k; p++) bRow[p] = r.nextInt(bLen / 2);
            for (int t = 0; t < nVec; t++) bVec[t] = r.nextInt(bLen / 2);
            int ldc = nVec * vl + r.nextInt(3), cOff = r.nextInt(5);
            float[] c = random(r, cOff + m * ldc);
            double[] expected = new double[c.length];
            for (int i = 0; i < c.length; i++) expected[i] = c[i];
            for (int i = 0; i < m; i++)
                for (int t = 0; t < nVec; t++)
                    for (int l = 0; l < vl; l++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) s += (double) a[aOff + i * ars + p * aps] * b[bRow[p] + bVec[t] + l];
                        expected[cOff + i * ldc + t * vl + l] += s;
                    }
            ig.implicitB(m, nVec, k, a, aOff, ars, aps, b, bRow, bVec, c, cOff, ldc);
            assertClose(expected, c, k, "implicitB m=" + m + " nVec=" + nVec + " k=" + k);
        }
    }

    @Test
    void implicitDotMatchesLoops() {
        ImplicitGemm ig = kernels();
        int vl = ig.vectorLength(), db = ig.dotBlock();
        SplittableRandom r = new SplittableRandom(8);
        for (int trial = 0; trial < 40; trial++) {
            int m = db * (1 + r.nextInt(5)), n = db * (1 + r.nextInt(6)), nVec = 1 + r.nextInt(70);
            int lda = nVec * vl + r.nextInt(3), aOff = r.nextInt(5);
            float[] a = random(r, aOff + m * lda);
            int bLen = 200 + r.nextInt(300);
            float[] b = random(r, bLen + vl);
            int[] bRow = new int[n + r.nextInt(3)], bVec = new int[nVec];
            for (int j = 0; j < bRow.length; j++) bRow[j] = r.nextInt(bLen / 2);
            for (int t = 0; t < nVec; t++) bVec[t] = r.nextInt(bLen / 2);
            // the lanes accumulate on top of what is there (a batch's earlier images)
            float[] lanes = random(r, m * n * vl + r.nextInt(3));
            double[] expected = new double[lanes.length];
            for (int i = 0; i < lanes.length; i++) expected[i] = lanes[i];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    for (int l = 0; l < vl; l++) {
                        double s = 0;
                        for (int t = 0; t < nVec; t++) s += (double) a[aOff + i * lda + t * vl + l] * b[bRow[j] + bVec[t] + l];
                        expected[(i * n + j) * vl + l] += s;
                    }
            ig.implicitDot(m, n, nVec, a, aOff, lda, b, bRow, bVec, lanes);
            assertClose(expected, lanes, nVec, "implicitDot m=" + m + " n=" + n + " nVec=" + nVec);
        }
    }

    @Test
    void shapesTheTilesCannotCoverAreRefused() {
        ImplicitGemm ig = kernels();
        int vl = ig.vectorLength();
        float[] x = new float[4096];
        int[] t = new int[64];
        assertThrows(IllegalArgumentException.class, () -> ig.implicitA(7, vl, 4, x, t, 0, t, 0, x, 0, vl, x, 0, vl));
        assertThrows(IllegalArgumentException.class, () -> ig.implicitA(8, vl + 1, 4, x, t, 0, t, 0, x, 0, vl + 1, x, 0, vl + 1));
        assertThrows(IllegalArgumentException.class, () -> ig.implicitB(12, 1, 4, x, 0, 1, 12, x, t, t, x, 0, vl));
        int db = ig.dotBlock();
        assertThrows(IllegalArgumentException.class, () -> ig.implicitDot(db + 1, db, 1, x, 0, vl, x, t, t, x));
        assertThrows(IllegalArgumentException.class, () -> ig.implicitDot(db, db, 1, x, 0, vl, x, t, t, new float[db * db * vl - 1]));
    }

    private static float[] random(SplittableRandom r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) a[i] = (float) (2 * r.nextDouble() - 1);
        return a;
    }

    private static void assertClose(double[] expected, float[] actual, int k, String what) {
        for (int i = 0; i < expected.length; i++) {
            // float accumulation over k products of values in [-1, 1]
            assertEquals(expected[i], actual[i], 1e-5 * Math.sqrt(k) + 1e-6, what + " at " + i);
        }
    }
}
