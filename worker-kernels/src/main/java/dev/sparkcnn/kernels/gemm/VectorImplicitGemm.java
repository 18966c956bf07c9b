package dev.sparkcnn.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ImplicitGemm} on the JDK Vector API: the micro-kernels of {@link VectorGemm} (8 rows x 2
 * vectors, 16 accumulators kept in registers, fully unrolled, no branch near the stores; implicitA
 * also 14 x 2 with 28, the most that fit the 32 vector registers with its two B vectors) with one
 * operand addressed through offset tables instead of strides, plus 8 x 1-vector variants for an
 * odd last vector and for one-vector outputs (ResNet's 16-filter stage with 512-bit vectors), where
 * a 16-row kernel keeps 16 accumulators in flight.
 *
 * <h2>Loop nests</h2>
 * <pre>
 *   implicitB:  for t in nVec step 3, then 2, 1      (three output vectors: e.g. 48 pixels of a row)
 *                 for i in m step 8                  (8 output channels)
 *                   C[i:i+8, t:t+3] += sum_r A(i.., r) * B(r, t..)        (k = all of r, no blocking:
 *                                                     the B rows of one triple are a few KB of the image)
 *   implicitDot: for i in m step 4                   (4 rows of dy: 4 x 4 KB at 32x32, in L1)
 *                 for j in n step 4                  (4 shifted views of the padded image)
 *                   L[i:i+4, j:j+4] += sum_t A(i.., t) * B(j.., t)        (16 vector accumulators, loaded
 *                                                     from and stored to L once per call: once per image)
 *   implicitA:  for pc in k step KC                  (KC = 256: a KC x 2-vector B panel is 32 KB, L1)
 *                 for j in n step 2 vectors          (the last single vector: 16-row tiles, then 8)
 *                   for i in m step 14, then 8       (14 x 2 tiles, 28 accumulators, over the largest
 *                                                     multiple of 56 rows; 8 x 2 tiles for the rest)
 *                     C[i:i+14, j..] += sum_{p in block} A(i.., p) * B(p, j..)
 * </pre>
 * The generated look of the kernels is on purpose: the JIT keeps the accumulators in registers
 * only when every one is a named local (see {@link VectorGemm}). Edit the kernels of a family alike
 * (kernelB1-B3, kernelA1, A1x16, A2, A2x14): they differ only in their tile.
 */
public final class VectorImplicitGemm implements ImplicitGemm {

    private static final VectorSpecies<Float> S = VectorGemm.species();
    private static final int VL = S.length();
    private static final int MR = 8;
    private static final int KC = 256;

    @Override
    public int vectorLength() {
        return VL;
    }

    @Override
    public int rowBlock() {
        return MR;
    }

    @Override
    public void implicitB(int m, int nVec, int k, float[] a, int aOff, int ars, int aps,
                          float[] b, int[] bRow, int[] bVec, float[] c, int cOff, int ldc) {
        if (m % MR != 0) throw new IllegalArgumentException("implicitB: m = " + m + " is not a multiple of " + MR);
        if (bRow.length < k || bVec.length < nVec) {
            throw new IllegalArgumentException("implicitB: offset tables of " + bRow.length + " rows and " + bVec.length
                    + " vectors are shorter than k = " + k + " and nVec = " + nVec);
        }
        int t = 0;
        // three output vectors per tile (24 accumulators, 8 broadcasts and 3 loads per 24 FMAs), then pairs;
        // a last single vector (8 accumulators, latency-bound) is avoided by ending on two pairs: 16 = 4x3 + 2x2
        int triples = nVec / 3;
        if (nVec % 3 == 1 && triples > 0) triples--;
        for (; t < 3 * triples; t += 3) {
            int b0 = bVec[t], b1 = bVec[t + 1], b2 = bVec[t + 2];
            for (int i = 0; i < m; i += MR) {
                kernelB3(k, a, aOff + i * ars, ars, aps, b, bRow, b0, b1, b2, c, cOff + i * ldc + t * VL, ldc);
            }
        }
        for (; t + 1 < nVec; t += 2) {
            int b0 = bVec[t], b1 = bVec[t + 1];
            for (int i = 0; i < m; i += MR) {
                kernelB2(k, a, aOff + i * ars, ars, aps, b, bRow, b0, b1, c, cOff + i * ldc + t * VL, ldc);
            }
        }
        if (t < nVec) {
            for (int i = 0; i < m; i += MR) {
                kernelB1(k, a, aOff + i * ars, ars, aps, b, bRow, bVec[t], c, cOff + i * ldc + t * VL, ldc);
            }
        }
    }

    @Override
    public void implicitA(int m, int n, int k, float[] a, int[] aRow, int aRowOff, int[] aCol, int aColOff,
                          float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m % MR != 0 || n % VL != 0) {
            throw new IllegalArgumentException("implicitA: m = " + m + " must be a multiple of " + MR
                    + " and n = " + n + " of " + VL);
        }
        // 14-row tiles (28 accumulators, 14 broadcasts and 2 loads per 28 FMAs: ~15% faster than 8 rows
        // alone), in groups of 4 so that the rows left for 8-row tiles stay a multiple of 8
        final int m14 = (m / 56) * 56;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            int bBlock = bOff + pc * ldb;
            // column panels outer, row blocks inner: one KC x 2-vector B panel (32 KB) stays in L1
            // while every row block passes over it (rows inner-most re-read a 64 KB B block per row
            // block when n = 64: the channel-vectorised 8x8 convolutions ran at half speed)
            int j = 0;
            for (; j + 2 * VL <= n; j += 2 * VL) {
                int i = 0;
                for (; i < m14; i += 14) {
                    kernelA2x14(kc, a, aRow, aRowOff + i, aCol, aColOff + pc, b, bBlock + j, ldb, c, cOff + i * ldc + j, ldc);
                }
                for (; i < m; i += MR) {
                    kernelA2(kc, a, aRow, aRowOff + i, aCol, aColOff + pc, b, bBlock + j, ldb, c, cOff + i * ldc + j, ldc);
                }
            }
            if (j < n) {
                int i = 0;
                if (n - j == VL) {
                    for (; i + 2 * MR <= m; i += 2 * MR) {
                        kernelA1x16(kc, a, aRow, aRowOff + i, aCol, aColOff + pc, b, bBlock + j, ldb, c, cOff + i * ldc + j, ldc);
                    }
                }
                for (; i < m; i += MR) {
                    kernelA1(kc, a, aRow, aRowOff + i, aCol, aColOff + pc, b, bBlock + j, ldb, c, cOff + i * ldc + j, ldc);
                }
            }
        }
    }

    /** Tile of implicitDot: 4 x 4 (16 accumulators, 8 vector loads per 16 FMAs). */
    private static final int DB = 4;

    @Override
    public int dotBlock() {
        return DB;
    }

    @Override
    public void implicitDot(int m, int n, int nVec, float[] a, int aOff, int lda,
                            float[] b, int[] bRow, int[] bVec, float[] lanes) {
        if (m % DB != 0 || n % DB != 0) {
            throw new IllegalArgumentException("implicitDot: m = " + m + " and n = " + n + " must be multiples of " + DB);
        }
        if (bRow.length < n || bVec.length < nVec || lanes.length < m * n * VL) {
            throw new IllegalArgumentException("implicitDot: tables of " + bRow.length + " rows and " + bVec.length
                    + " vectors or " + lanes.length + " lanes are short of n = " + n + ", nVec = " + nVec + ", m*n*VL = " + m * n * VL);
        }
        for (int i = 0; i < m; i += DB) {
            for (int j = 0; j < n; j += DB) {
                kernelDot(nVec, a, aOff + i * lda, lda, b, bRow[j], bRow[j + 1], bRow[j + 2], bRow[j + 3], bVec,
                        lanes, (i * n + j) * VL, n * VL);
            }
        }
    }

    // ---- micro-kernels ----------------------------------------------------------------------------

    private static void kernelB3(int k, float[] a, int ai, int ars, int aps, float[] b, int[] bRow, int b0, int b1, int b2, float[] c, int ci, int ldc) {
        int a1i = ai + 1 * ars;
        int a2i = ai + 2 * ars;
        int a3i = ai + 3 * ars;
        int a4i = ai + 4 * ars;
        int a5i = ai + 5 * ars;
        int a6i = ai + 6 * ars;
        int a7i = ai + 7 * ars;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = bRow[p], pa = p * aps;
            FloatVector v0 = FloatVector.fromArray(S, b, o + b0);
            FloatVector v1 = FloatVector.fromArray(S, b, o + b1);
            FloatVector v2 = FloatVector.fromArray(S, b, o + b2);
            FloatVector a0 = FloatVector.broadcast(S, a[ai + pa]);
            c00 = a0.fma(v0, c00);
            c01 = a0.fma(v1, c01);
            c02 = a0.fma(v2, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + pa]);
            c10 = a1.fma(v0, c10);
            c11 = a1.fma(v1, c11);
            c12 = a1.fma(v2, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + pa]);
            c20 = a2.fma(v0, c20);
            c21 = a2.fma(v1, c21);
            c22 = a2.fma(v2, c22);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + pa]);
            c30 = a3.fma(v0, c30);
            c31 = a3.fma(v1, c31);
            c32 = a3.fma(v2, c32);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + pa]);
            c40 = a4.fma(v0, c40);
            c41 = a4.fma(v1, c41);
            c42 = a4.fma(v2, c42);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + pa]);
            c50 = a5.fma(v0, c50);
            c51 = a5.fma(v1, c51);
            c52 = a5.fma(v2, c52);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + pa]);
            c60 = a6.fma(v0, c60);
            c61 = a6.fma(v1, c61);
            c62 = a6.fma(v2, c62);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + pa]);
            c70 = a7.fma(v0, c70);
            c71 = a7.fma(v1, c71);
            c72 = a7.fma(v2, c72);
        }
        int r0 = ci + 0 * ldc;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + 1 * VL).add(c01).intoArray(c, r0 + 1 * VL);
        FloatVector.fromArray(S, c, r0 + 2 * VL).add(c02).intoArray(c, r0 + 2 * VL);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        FloatVector.fromArray(S, c, r1 + 1 * VL).add(c11).intoArray(c, r1 + 1 * VL);
        FloatVector.fromArray(S, c, r1 + 2 * VL).add(c12).intoArray(c, r1 + 2 * VL);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        FloatVector.fromArray(S, c, r2 + 1 * VL).add(c21).intoArray(c, r2 + 1 * VL);
        FloatVector.fromArray(S, c, r2 + 2 * VL).add(c22).intoArray(c, r2 + 2 * VL);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        FloatVector.fromArray(S, c, r3 + 1 * VL).add(c31).intoArray(c, r3 + 1 * VL);
        FloatVector.fromArray(S, c, r3 + 2 * VL).add(c32).intoArray(c, r3 + 2 * VL);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        FloatVector.fromArray(S, c, r4 + 1 * VL).add(c41).intoArray(c, r4 + 1 * VL);
        FloatVector.fromArray(S, c, r4 + 2 * VL).add(c42).intoArray(c, r4 + 2 * VL);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        FloatVector.fromArray(S, c, r5 + 1 * VL).add(c51).intoArray(c, r5 + 1 * VL);
        FloatVector.fromArray(S, c, r5 + 2 * VL).add(c52).intoArray(c, r5 + 2 * VL);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c60).intoArray(c, r6);
        FloatVector.fromArray(S, c, r6 + 1 * VL).add(c61).intoArray(c, r6 + 1 * VL);
        FloatVector.fromArray(S, c, r6 + 2 * VL).add(c62).intoArray(c, r6 + 2 * VL);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c70).intoArray(c, r7);
        FloatVector.fromArray(S, c, r7 + 1 * VL).add(c71).intoArray(c, r7 + 1 * VL);
        FloatVector.fromArray(S, c, r7 + 2 * VL).add(c72).intoArray(c, r7 + 2 * VL);
    }

    private static void kernelB2(int k, float[] a, int ai, int ars, int aps, float[] b, int[] bRow, int b0, int b1, float[] c, int ci, int ldc) {
        int a1i = ai + 1 * ars;
        int a2i = ai + 2 * ars;
        int a3i = ai + 3 * ars;
        int a4i = ai + 4 * ars;
        int a5i = ai + 5 * ars;
        int a6i = ai + 6 * ars;
        int a7i = ai + 7 * ars;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = bRow[p], pa = p * aps;
            FloatVector v0 = FloatVector.fromArray(S, b, o + b0);
            FloatVector v1 = FloatVector.fromArray(S, b, o + b1);
            FloatVector a0 = FloatVector.broadcast(S, a[ai + pa]);
            c00 = a0.fma(v0, c00);
            c01 = a0.fma(v1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + pa]);
            c10 = a1.fma(v0, c10);
            c11 = a1.fma(v1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + pa]);
            c20 = a2.fma(v0, c20);
            c21 = a2.fma(v1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + pa]);
            c30 = a3.fma(v0, c30);
            c31 = a3.fma(v1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + pa]);
            c40 = a4.fma(v0, c40);
            c41 = a4.fma(v1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + pa]);
            c50 = a5.fma(v0, c50);
            c51 = a5.fma(v1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + pa]);
            c60 = a6.fma(v0, c60);
            c61 = a6.fma(v1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + pa]);
            c70 = a7.fma(v0, c70);
            c71 = a7.fma(v1, c71);
        }
        int r0 = ci;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + VL).add(c01).intoArray(c, r0 + VL);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        FloatVector.fromArray(S, c, r1 + VL).add(c11).intoArray(c, r1 + VL);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        FloatVector.fromArray(S, c, r2 + VL).add(c21).intoArray(c, r2 + VL);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        FloatVector.fromArray(S, c, r3 + VL).add(c31).intoArray(c, r3 + VL);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        FloatVector.fromArray(S, c, r4 + VL).add(c41).intoArray(c, r4 + VL);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        FloatVector.fromArray(S, c, r5 + VL).add(c51).intoArray(c, r5 + VL);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c60).intoArray(c, r6);
        FloatVector.fromArray(S, c, r6 + VL).add(c61).intoArray(c, r6 + VL);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c70).intoArray(c, r7);
        FloatVector.fromArray(S, c, r7 + VL).add(c71).intoArray(c, r7 + VL);
    }

    private static void kernelB1(int k, float[] a, int ai, int ars, int aps, float[] b, int[] bRow, int b0, float[] c, int ci, int ldc) {
        int a1i = ai + 1 * ars;
        int a2i = ai + 2 * ars;
        int a3i = ai + 3 * ars;
        int a4i = ai + 4 * ars;
        int a5i = ai + 5 * ars;
        int a6i = ai + 6 * ars;
        int a7i = ai + 7 * ars;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = bRow[p], pa = p * aps;
            FloatVector v0 = FloatVector.fromArray(S, b, o + b0);
            FloatVector a0 = FloatVector.broadcast(S, a[ai + pa]);
            c00 = a0.fma(v0, c00);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + pa]);
            c10 = a1.fma(v0, c10);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + pa]);
            c20 = a2.fma(v0, c20);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + pa]);
            c30 = a3.fma(v0, c30);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + pa]);
            c40 = a4.fma(v0, c40);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + pa]);
            c50 = a5.fma(v0, c50);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + pa]);
            c60 = a6.fma(v0, c60);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + pa]);
            c70 = a7.fma(v0, c70);
        }
        int r0 = ci;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c60).intoArray(c, r6);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c70).intoArray(c, r7);
    }

    private static void kernelA2(int k, float[] a, int[] aRow, int ri, int[] aCol, int co, float[] b, int bi, int ldb, float[] c, int ci, int ldc) {
        int a0i = aRow[ri + 0];
        int a1i = aRow[ri + 1];
        int a2i = aRow[ri + 2];
        int a3i = aRow[ri + 3];
        int a4i = aRow[ri + 4];
        int a5i = aRow[ri + 5];
        int a6i = aRow[ri + 6];
        int a7i = aRow[ri + 7];
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = aCol[co + p], pb = bi + p * ldb;
            FloatVector v0 = FloatVector.fromArray(S, b, pb);
            FloatVector v1 = FloatVector.fromArray(S, b, pb + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + o]);
            c00 = a0.fma(v0, c00);
            c01 = a0.fma(v1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + o]);
            c10 = a1.fma(v0, c10);
            c11 = a1.fma(v1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + o]);
            c20 = a2.fma(v0, c20);
            c21 = a2.fma(v1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + o]);
            c30 = a3.fma(v0, c30);
            c31 = a3.fma(v1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + o]);
            c40 = a4.fma(v0, c40);
            c41 = a4.fma(v1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + o]);
            c50 = a5.fma(v0, c50);
            c51 = a5.fma(v1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + o]);
            c60 = a6.fma(v0, c60);
            c61 = a6.fma(v1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + o]);
            c70 = a7.fma(v0, c70);
            c71 = a7.fma(v1, c71);
        }
        int r0 = ci;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + VL).add(c01).intoArray(c, r0 + VL);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        FloatVector.fromArray(S, c, r1 + VL).add(c11).intoArray(c, r1 + VL);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        FloatVector.fromArray(S, c, r2 + VL).add(c21).intoArray(c, r2 + VL);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        FloatVector.fromArray(S, c, r3 + VL).add(c31).intoArray(c, r3 + VL);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        FloatVector.fromArray(S, c, r4 + VL).add(c41).intoArray(c, r4 + VL);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        FloatVector.fromArray(S, c, r5 + VL).add(c51).intoArray(c, r5 + VL);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c60).intoArray(c, r6);
        FloatVector.fromArray(S, c, r6 + VL).add(c61).intoArray(c, r6 + VL);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c70).intoArray(c, r7);
        FloatVector.fromArray(S, c, r7 + VL).add(c71).intoArray(c, r7 + VL);
    }

    private static void kernelA2x14(int k, float[] a, int[] aRow, int ri, int[] aCol, int co, float[] b, int bi, int ldb, float[] c, int ci, int ldc) {
        int a0i = aRow[ri + 0];
        int a1i = aRow[ri + 1];
        int a2i = aRow[ri + 2];
        int a3i = aRow[ri + 3];
        int a4i = aRow[ri + 4];
        int a5i = aRow[ri + 5];
        int a6i = aRow[ri + 6];
        int a7i = aRow[ri + 7];
        int a8i = aRow[ri + 8];
        int a9i = aRow[ri + 9];
        int a10i = aRow[ri + 10];
        int a11i = aRow[ri + 11];
        int a12i = aRow[ri + 12];
        int a13i = aRow[ri + 13];
        FloatVector c0_0 = FloatVector.zero(S), c0_1 = FloatVector.zero(S);
        FloatVector c1_0 = FloatVector.zero(S), c1_1 = FloatVector.zero(S);
        FloatVector c2_0 = FloatVector.zero(S), c2_1 = FloatVector.zero(S);
        FloatVector c3_0 = FloatVector.zero(S), c3_1 = FloatVector.zero(S);
        FloatVector c4_0 = FloatVector.zero(S), c4_1 = FloatVector.zero(S);
        FloatVector c5_0 = FloatVector.zero(S), c5_1 = FloatVector.zero(S);
        FloatVector c6_0 = FloatVector.zero(S), c6_1 = FloatVector.zero(S);
        FloatVector c7_0 = FloatVector.zero(S), c7_1 = FloatVector.zero(S);
        FloatVector c8_0 = FloatVector.zero(S), c8_1 = FloatVector.zero(S);
        FloatVector c9_0 = FloatVector.zero(S), c9_1 = FloatVector.zero(S);
        FloatVector c10_0 = FloatVector.zero(S), c10_1 = FloatVector.zero(S);
        FloatVector c11_0 = FloatVector.zero(S), c11_1 = FloatVector.zero(S);
        FloatVector c12_0 = FloatVector.zero(S), c12_1 = FloatVector.zero(S);
        FloatVector c13_0 = FloatVector.zero(S), c13_1 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = aCol[co + p], pb = bi + p * ldb;
            FloatVector v0 = FloatVector.fromArray(S, b, pb);
            FloatVector v1 = FloatVector.fromArray(S, b, pb + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + o]);
            c0_0 = a0.fma(v0, c0_0);
            c0_1 = a0.fma(v1, c0_1);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + o]);
            c1_0 = a1.fma(v0, c1_0);
            c1_1 = a1.fma(v1, c1_1);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + o]);
            c2_0 = a2.fma(v0, c2_0);
            c2_1 = a2.fma(v1, c2_1);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + o]);
            c3_0 = a3.fma(v0, c3_0);
            c3_1 = a3.fma(v1, c3_1);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + o]);
            c4_0 = a4.fma(v0, c4_0);
            c4_1 = a4.fma(v1, c4_1);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + o]);
            c5_0 = a5.fma(v0, c5_0);
            c5_1 = a5.fma(v1, c5_1);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + o]);
            c6_0 = a6.fma(v0, c6_0);
            c6_1 = a6.fma(v1, c6_1);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + o]);
            c7_0 = a7.fma(v0, c7_0);
            c7_1 = a7.fma(v1, c7_1);
            FloatVector a8 = FloatVector.broadcast(S, a[a8i + o]);
            c8_0 = a8.fma(v0, c8_0);
            c8_1 = a8.fma(v1, c8_1);
            FloatVector a9 = FloatVector.broadcast(S, a[a9i + o]);
            c9_0 = a9.fma(v0, c9_0);
            c9_1 = a9.fma(v1, c9_1);
            FloatVector a10 = FloatVector.broadcast(S, a[a10i + o]);
            c10_0 = a10.fma(v0, c10_0);
            c10_1 = a10.fma(v1, c10_1);
            FloatVector a11 = FloatVector.broadcast(S, a[a11i + o]);
            c11_0 = a11.fma(v0, c11_0);
            c11_1 = a11.fma(v1, c11_1);
            FloatVector a12 = FloatVector.broadcast(S, a[a12i + o]);
            c12_0 = a12.fma(v0, c12_0);
            c12_1 = a12.fma(v1, c12_1);
            FloatVector a13 = FloatVector.broadcast(S, a[a13i + o]);
            c13_0 = a13.fma(v0, c13_0);
            c13_1 = a13.fma(v1, c13_1);
        }
        int r0 = ci + 0 * ldc;
        FloatVector.fromArray(S, c, r0).add(c0_0).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + VL).add(c0_1).intoArray(c, r0 + VL);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c1_0).intoArray(c, r1);
        FloatVector.fromArray(S, c, r1 + VL).add(c1_1).intoArray(c, r1 + VL);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c2_0).intoArray(c, r2);
        FloatVector.fromArray(S, c, r2 + VL).add(c2_1).intoArray(c, r2 + VL);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c3_0).intoArray(c, r3);
        FloatVector.fromArray(S, c, r3 + VL).add(c3_1).intoArray(c, r3 + VL);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c4_0).intoArray(c, r4);
        FloatVector.fromArray(S, c, r4 + VL).add(c4_1).intoArray(c, r4 + VL);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c5_0).intoArray(c, r5);
        FloatVector.fromArray(S, c, r5 + VL).add(c5_1).intoArray(c, r5 + VL);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c6_0).intoArray(c, r6);
        FloatVector.fromArray(S, c, r6 + VL).add(c6_1).intoArray(c, r6 + VL);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c7_0).intoArray(c, r7);
        FloatVector.fromArray(S, c, r7 + VL).add(c7_1).intoArray(c, r7 + VL);
        int r8 = ci + 8 * ldc;
        FloatVector.fromArray(S, c, r8).add(c8_0).intoArray(c, r8);
        FloatVector.fromArray(S, c, r8 + VL).add(c8_1).intoArray(c, r8 + VL);
        int r9 = ci + 9 * ldc;
        FloatVector.fromArray(S, c, r9).add(c9_0).intoArray(c, r9);
        FloatVector.fromArray(S, c, r9 + VL).add(c9_1).intoArray(c, r9 + VL);
        int r10 = ci + 10 * ldc;
        FloatVector.fromArray(S, c, r10).add(c10_0).intoArray(c, r10);
        FloatVector.fromArray(S, c, r10 + VL).add(c10_1).intoArray(c, r10 + VL);
        int r11 = ci + 11 * ldc;
        FloatVector.fromArray(S, c, r11).add(c11_0).intoArray(c, r11);
        FloatVector.fromArray(S, c, r11 + VL).add(c11_1).intoArray(c, r11 + VL);
        int r12 = ci + 12 * ldc;
        FloatVector.fromArray(S, c, r12).add(c12_0).intoArray(c, r12);
        FloatVector.fromArray(S, c, r12 + VL).add(c12_1).intoArray(c, r12 + VL);
        int r13 = ci + 13 * ldc;
        FloatVector.fromArray(S, c, r13).add(c13_0).intoArray(c, r13);
        FloatVector.fromArray(S, c, r13 + VL).add(c13_1).intoArray(c, r13 + VL);
    }

    private static void kernelA1(int k, float[] a, int[] aRow, int ri, int[] aCol, int co, float[] b, int bi, int ldb, float[] c, int ci, int ldc) {
        int a0i = aRow[ri + 0];
        int a1i = aRow[ri + 1];
        int a2i = aRow[ri + 2];
        int a3i = aRow[ri + 3];
        int a4i = aRow[ri + 4];
        int a5i = aRow[ri + 5];
        int a6i = aRow[ri + 6];
        int a7i = aRow[ri + 7];
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = aCol[co + p], pb = bi + p * ldb;
            FloatVector v0 = FloatVector.fromArray(S, b, pb);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + o]);
            c00 = a0.fma(v0, c00);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + o]);
            c10 = a1.fma(v0, c10);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + o]);
            c20 = a2.fma(v0, c20);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + o]);
            c30 = a3.fma(v0, c30);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + o]);
            c40 = a4.fma(v0, c40);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + o]);
            c50 = a5.fma(v0, c50);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + o]);
            c60 = a6.fma(v0, c60);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + o]);
            c70 = a7.fma(v0, c70);
        }
        int r0 = ci;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        int r1 = ci + 1 * ldc;
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        int r2 = ci + 2 * ldc;
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        int r3 = ci + 3 * ldc;
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        int r4 = ci + 4 * ldc;
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        int r5 = ci + 5 * ldc;
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        int r6 = ci + 6 * ldc;
        FloatVector.fromArray(S, c, r6).add(c60).intoArray(c, r6);
        int r7 = ci + 7 * ldc;
        FloatVector.fromArray(S, c, r7).add(c70).intoArray(c, r7);
    }

    /** {@link #kernelA1} with 16 rows: 16 accumulators where 8 barely cover the FMA latency (16-filter weight gradients). */
    private static void kernelA1x16(int k, float[] a, int[] aRow, int ri, int[] aCol, int co, float[] b, int bi, int ldb, float[] c, int ci, int ldc) {
        int a0i = aRow[ri + 0];
        int a1i = aRow[ri + 1];
        int a2i = aRow[ri + 2];
        int a3i = aRow[ri + 3];
        int a4i = aRow[ri + 4];
        int a5i = aRow[ri + 5];
        int a6i = aRow[ri + 6];
        int a7i = aRow[ri + 7];
        int a8i = aRow[ri + 8];
        int a9i = aRow[ri + 9];
        int a10i = aRow[ri + 10];
        int a11i = aRow[ri + 11];
        int a12i = aRow[ri + 12];
        int a13i = aRow[ri + 13];
        int a14i = aRow[ri + 14];
        int a15i = aRow[ri + 15];
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        FloatVector c8 = FloatVector.zero(S), c9 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S), c13 = FloatVector.zero(S), c14 = FloatVector.zero(S), c15 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int o = aCol[co + p];
            FloatVector v0 = FloatVector.fromArray(S, b, bi + p * ldb);
            c0 = FloatVector.broadcast(S, a[a0i + o]).fma(v0, c0);
            c1 = FloatVector.broadcast(S, a[a1i + o]).fma(v0, c1);
            c2 = FloatVector.broadcast(S, a[a2i + o]).fma(v0, c2);
            c3 = FloatVector.broadcast(S, a[a3i + o]).fma(v0, c3);
            c4 = FloatVector.broadcast(S, a[a4i + o]).fma(v0, c4);
            c5 = FloatVector.broadcast(S, a[a5i + o]).fma(v0, c5);
            c6 = FloatVector.broadcast(S, a[a6i + o]).fma(v0, c6);
            c7 = FloatVector.broadcast(S, a[a7i + o]).fma(v0, c7);
            c8 = FloatVector.broadcast(S, a[a8i + o]).fma(v0, c8);
            c9 = FloatVector.broadcast(S, a[a9i + o]).fma(v0, c9);
            c10 = FloatVector.broadcast(S, a[a10i + o]).fma(v0, c10);
            c11 = FloatVector.broadcast(S, a[a11i + o]).fma(v0, c11);
            c12 = FloatVector.broadcast(S, a[a12i + o]).fma(v0, c12);
            c13 = FloatVector.broadcast(S, a[a13i + o]).fma(v0, c13);
            c14 = FloatVector.broadcast(S, a[a14i + o]).fma(v0, c14);
            c15 = FloatVector.broadcast(S, a[a15i + o]).fma(v0, c15);
        }
        FloatVector.fromArray(S, c, ci + 0 * ldc).add(c0).intoArray(c, ci + 0 * ldc);
        FloatVector.fromArray(S, c, ci + 1 * ldc).add(c1).intoArray(c, ci + 1 * ldc);
        FloatVector.fromArray(S, c, ci + 2 * ldc).add(c2).intoArray(c, ci + 2 * ldc);
        FloatVector.fromArray(S, c, ci + 3 * ldc).add(c3).intoArray(c, ci + 3 * ldc);
        FloatVector.fromArray(S, c, ci + 4 * ldc).add(c4).intoArray(c, ci + 4 * ldc);
        FloatVector.fromArray(S, c, ci + 5 * ldc).add(c5).intoArray(c, ci + 5 * ldc);
        FloatVector.fromArray(S, c, ci + 6 * ldc).add(c6).intoArray(c, ci + 6 * ldc);
        FloatVector.fromArray(S, c, ci + 7 * ldc).add(c7).intoArray(c, ci + 7 * ldc);
        FloatVector.fromArray(S, c, ci + 8 * ldc).add(c8).intoArray(c, ci + 8 * ldc);
        FloatVector.fromArray(S, c, ci + 9 * ldc).add(c9).intoArray(c, ci + 9 * ldc);
        FloatVector.fromArray(S, c, ci + 10 * ldc).add(c10).intoArray(c, ci + 10 * ldc);
        FloatVector.fromArray(S, c, ci + 11 * ldc).add(c11).intoArray(c, ci + 11 * ldc);
        FloatVector.fromArray(S, c, ci + 12 * ldc).add(c12).intoArray(c, ci + 12 * ldc);
        FloatVector.fromArray(S, c, ci + 13 * ldc).add(c13).intoArray(c, ci + 13 * ldc);
        FloatVector.fromArray(S, c, ci + 14 * ldc).add(c14).intoArray(c, ci + 14 * ldc);
        FloatVector.fromArray(S, c, ci + 15 * ldc).add(c15).intoArray(c, ci + 15 * ldc);
    }

    /** implicitDot's 4 x 4 tile: rows a0..a3 of A against views b0..b3 of B, lanes at li (row stride ls). */
    private static void kernelDot(int nVec, float[] a, int ai, int lda, float[] b, int b0, int b1, int b2, int b3, int[] bVec,
                                  float[] l, int li, int ls) {
        int a1i = ai + lda, a2i = ai + 2 * lda, a3i = ai + 3 * lda;
        int l1 = li + ls, l2 = li + 2 * ls, l3 = li + 3 * ls;
        FloatVector c00 = FloatVector.fromArray(S, l, li), c01 = FloatVector.fromArray(S, l, li + VL);
        FloatVector c02 = FloatVector.fromArray(S, l, li + 2 * VL), c03 = FloatVector.fromArray(S, l, li + 3 * VL);
        FloatVector c10 = FloatVector.fromArray(S, l, l1), c11 = FloatVector.fromArray(S, l, l1 + VL);
        FloatVector c12 = FloatVector.fromArray(S, l, l1 + 2 * VL), c13 = FloatVector.fromArray(S, l, l1 + 3 * VL);
        FloatVector c20 = FloatVector.fromArray(S, l, l2), c21 = FloatVector.fromArray(S, l, l2 + VL);
        FloatVector c22 = FloatVector.fromArray(S, l, l2 + 2 * VL), c23 = FloatVector.fromArray(S, l, l2 + 3 * VL);
        FloatVector c30 = FloatVector.fromArray(S, l, l3), c31 = FloatVector.fromArray(S, l, l3 + VL);
        FloatVector c32 = FloatVector.fromArray(S, l, l3 + 2 * VL), c33 = FloatVector.fromArray(S, l, l3 + 3 * VL);
        for (int t = 0; t < nVec; t++) {
            int o = bVec[t], p = t * VL;
            FloatVector v0 = FloatVector.fromArray(S, b, b0 + o);
            FloatVector v1 = FloatVector.fromArray(S, b, b1 + o);
            FloatVector v2 = FloatVector.fromArray(S, b, b2 + o);
            FloatVector v3 = FloatVector.fromArray(S, b, b3 + o);
            FloatVector x0 = FloatVector.fromArray(S, a, ai + p);
            c00 = x0.fma(v0, c00);
            c01 = x0.fma(v1, c01);
            c02 = x0.fma(v2, c02);
            c03 = x0.fma(v3, c03);
            FloatVector x1 = FloatVector.fromArray(S, a, a1i + p);
            c10 = x1.fma(v0, c10);
            c11 = x1.fma(v1, c11);
            c12 = x1.fma(v2, c12);
            c13 = x1.fma(v3, c13);
            FloatVector x2 = FloatVector.fromArray(S, a, a2i + p);
            c20 = x2.fma(v0, c20);
            c21 = x2.fma(v1, c21);
            c22 = x2.fma(v2, c22);
            c23 = x2.fma(v3, c23);
            FloatVector x3 = FloatVector.fromArray(S, a, a3i + p);
            c30 = x3.fma(v0, c30);
            c31 = x3.fma(v1, c31);
            c32 = x3.fma(v2, c32);
            c33 = x3.fma(v3, c33);
        }
        c00.intoArray(l, li);
        c01.intoArray(l, li + VL);
        c02.intoArray(l, li + 2 * VL);
        c03.intoArray(l, li + 3 * VL);
        c10.intoArray(l, l1);
        c11.intoArray(l, l1 + VL);
        c12.intoArray(l, l1 + 2 * VL);
        c13.intoArray(l, l1 + 3 * VL);
        c20.intoArray(l, l2);
        c21.intoArray(l, l2 + VL);
        c22.intoArray(l, l2 + 2 * VL);
        c23.intoArray(l, l2 + 3 * VL);
        c30.intoArray(l, l3);
        c31.intoArray(l, l3 + VL);
        c32.intoArray(l, l3 + 2 * VL);
        c33.intoArray(l, l3 + 3 * VL);
    }
}
