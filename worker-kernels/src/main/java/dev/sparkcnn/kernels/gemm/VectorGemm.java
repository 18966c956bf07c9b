package dev.sparkcnn.kernels.gemm;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm} on the JDK Vector API ({@code jdk.incubator.vector}): a Goto/BLIS-style blocked
 * GEMM with a register-blocked micro-kernel, packing only where packing pays on this machine.
 *
 * <h2>Loop nest</h2>
 * <pre>
 *   for jc in n step NC
 *     for pc in k step KC                    (k split into equal blocks: 800 = 4 x 200)
 *       op(B) block kc x nc: packed into NR-wide panels if B is transposed (or 4 KB-aliased),
 *                            otherwise read in place (only a partial last panel is copied)
 *       for ic in m step MC                  (m split into equal multiples of MR)
 *         op(A) block mc x kc: read in place through (row, column) strides; a partial last
 *                              MR panel is copied, zero-padded
 *         for jr in nc step NR               one B panel (kc x NR, <= 32 KB) stays in L1 ...
 *           for ir in mc step MR             ... while the A panels stream from L2
 *             C[ir:ir+MR, jr:jr+NR] (+)= A panel . B panel                 (micro-kernel)
 * </pre>
 *
 * <h2>Why it deviates from "pack everything"</h2>
 * The network's shapes are small in m (32, 64) or in k (32 .. 75): each packed element is reused
 * only a handful of times, and packing measured 30-50% of the run time (the kernel alone runs at
 * 205-228 of the ~232 GFLOP/s peak; with full packing the shapes ran at 75-165). So:
 * <ul>
 *   <li>The kernel takes strides, not a fixed packed layout: op(A)(i, p) is at
 *       {@code a[ai + i*ars + p*aps]} (untransposed: ars = lda, aps = 1; transposed: 1, lda) and
 *       op(B) row p at {@code b[bi + p*bps]}, so A (either form) and an untransposed B are read
 *       in place. A transposed B must be transposed into NR-wide panels (scalar, ~1 float/cycle).
 *       An untransposed B whose rows are a multiple of 4 KB apart is packed as well: such rows map
 *       to the same few L1 sets and a B panel evicts itself between the MR-row passes (fc1 with
 *       n = 1024 ran at 125 instead of 170 GFLOP/s).</li>
 *   <li>NT (the weight gradient dW += dY . cols^T) with a small A computes C^T = B . A^T instead,
 *       so that the big cols matrix is read in place and only the small dY is transposed; the
 *       result tiles are then added to C transposed, through the edge tile. Chosen by a cost
 *       estimate (elements moved by scalar code): conv1/conv2 dW go this way, fc1 does not.</li>
 * </ul>
 *
 * <h2>Micro-kernel</h2>
 * MR = 8 rows x NR = 2 vectors (32 floats at 512 bits): 16 accumulators, local {@code FloatVector}s
 * in one fully unrolled method (C2 keeps them in registers; handing vectors to a helper the JIT
 * does not inline costs ~8x). Each k step is 2 vector loads of B, 8 broadcasts of A and 16 FMAs,
 * enough independent FMA chains to cover the FMA latency on two pipes. MR = 8 divides every m of
 * the cifar-quick shapes (32, 64, 800), so they have no partial row panels.
 * <ul>
 *   <li>No branch near the stores: GEMM-NOTES.md records that a branch just before the stores
 *       made the JIT compile the kernel badly in ~5% of launches. Hence two kernels instead of a
 *       flag: {@code kernelAdd} (C += A.B: load, add, store) and {@code kernelSet} (C = A.B, used
 *       for the first k block when {@code accumulate == false}, which saves a zeroing pass and
 *       the C loads; it matters when k is small).</li>
 *   <li>Edge tiles (fewer than MR rows or NR columns) run the same full-size kernel into an
 *       MR x NR tile owned by the instance, from zero-padded copies of the partial A/B panel,
 *       and only the valid part is stored or added to C.</li>
 * </ul>
 *
 * <h2>Blocking, allocation, threads</h2>
 * KC = 256 (a 256 x 32 B panel is 32 KB, in the 48 KB L1), MC = 128, NC = 2048; 128..400 made no
 * measurable difference for KC on these shapes. No allocation in steady state: the packing
 * buffers and the edge tile belong to the instance and only grow; vectors are scalar-replaced by
 * C2 once the kernels are compiled (before that, in the interpreter, every vector is an object).
 * An instance is not thread-safe: one per thread (see {@link Gemm}).
 *
 * <p>The species is {@code FloatVector.SPECIES_PREFERRED} (512 bits with AVX-512), held in a
 * {@code static final} so the JIT constant-folds the vector length; any length works (NR is
 * always two vectors). The system property {@value #BITS_PROPERTY} (64/128/256/512) forces a
 * species, for tests and for comparing widths; it is read once, at class initialisation.
 */
public final class VectorGemm implements Gemm {

    /** System property that overrides the vector width in bits (read once, at class load). */
    public static final String BITS_PROPERTY = "sparkcnn.gemm.vectorBits";

    private static final VectorSpecies<Float> S = species();
    /** Floats per vector. */
    private static final int VL = S.length();
    /** Micro-tile rows (the unrolled kernel below is written for exactly 8). */
    private static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    private static final int NR = 2 * VL;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 2048;

    /** Transposed B, packed: ceil(nc / NR) panels of kc x NR (NR floats per k step). */
    private float[] packedB = new float[0];
    /** The bottom rows (fewer than MR) of an A block as an MR x kc panel, MR floats per k step, zero-padded. */
    private float[] edgeA = new float[0];
    /** The last columns (fewer than NR) of an untransposed B block as a kc x NR panel, zero-padded. */
    private float[] edgeB = new float[0];
    /** MR x NR tile (row stride NR) that edge tiles, and all tiles of a transposed C, are computed into. */
    private final float[] edge = new float[MR * NR];
    /** The convolution kernels without im2col, on the same species. */
    private final ImplicitGemm implicit = new VectorImplicitGemm();

    /** The species every Vector-API kernel uses (one JVM, one width; the layers' passes too). */
    public static VectorSpecies<Float> species() {
        String bits = System.getProperty(BITS_PROPERTY);
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        switch (bits.trim()) {
            case "64": return FloatVector.SPECIES_64;
            case "128": return FloatVector.SPECIES_128;
            case "256": return FloatVector.SPECIES_256;
            case "512": return FloatVector.SPECIES_512;
            default:
                throw new IllegalArgumentException("system property " + BITS_PROPERTY + "=" + bits
                        + " is not one of 64, 128, 256, 512");
        }
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public ImplicitGemm implicitGemm() {
        return implicit;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        Gemm.checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }

        // NT (the weight gradient dW += dY . cols^T) must transpose B while packing, n x k scalar
        // moves. When A is much smaller (conv: m = cout, n = cin*25), compute C^T = B . A^T
        // instead: B is then read in place and only A is transposed, at the price of adding the
        // result tiles to C transposed (m x n scalar adds per k block).
        int kBlocks = (k + KC - 1) / KC;
        if (!transA && transB && (long) m * k + (long) m * n * kBlocks < (long) n * k) {
            blocked(n, m, k, false, b, bOff, ldb, true, a, aOff, lda, c, cOff, 1, ldc, accumulate);
        } else {
            blocked(m, n, k, transA, a, aOff, lda, transB, b, bOff, ldb, c, cOff, ldc, 1, accumulate);
        }
    }

    /**
     * The blocked loop nest for C += op(A) . op(B), where element (i, j) of the m x n result is
     * at c[cOff + i * crs + j * ccs]: (ldc, 1) normally, (1, ldc) when computing a transposed C.
     * Without accumulate, the first k block overwrites C and the later ones add to it.
     */
    private void blocked(int m, int n, int k, boolean transA, float[] a, int aOff, int lda,
                         boolean transB, float[] b, int bOff, int ldb, float[] c, int cOff, int crs, int ccs,
                         boolean accumulate) {
        // Equal-sized blocks along k and m (rounded to MR for m) instead of full blocks plus a remainder.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int mBlocks = (m + MC - 1) / MC;
        int mcMax = roundUp((m + mBlocks - 1) / mBlocks, MR);
        // An untransposed B is read in place (its rows are contiguous), except when its rows are a
        // multiple of 4 KB apart: then a B panel's rows all map to the same few L1 sets and evict
        // each other between the MR-row passes (measured: fc1 n = 1024 at 125 vs 170 GFLOP/s).
        boolean packB = transB || (ldb & 1023) == 0;
        ensureScratch(kcMax, packB ? kcMax * roundUp(Math.min(NC, n), NR) : 0);

        // op(A)(i, p) is at a[aOff + i * aRowStride + p * aColStride].
        int aRowStride = transA ? 1 : lda, aColStride = transA ? lda : 1;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                if (transB) packBTransposed(b, bOff, ldb, pc, kc, jc, nc);
                else if (packB) packB(b, bOff + pc * ldb + jc, ldb, kc, nc);
                else if (nc % NR != 0) packBEdge(b, bOff + pc * ldb + jc, ldb, kc, nc);
                int bBlock = packB ? -1 : bOff + pc * ldb + jc;
                for (int ic = 0; ic < m; ic += mcMax) {
                    int mc = Math.min(mcMax, m - ic);
                    int aBlock = aOff + ic * aRowStride + pc * aColStride;
                    // op(A) is used in place (the kernel takes its strides); a partial MR panel at
                    // the bottom is copied, zero-padded, so the kernel never reads past row m.
                    if (mc % MR != 0) {
                        packAEdge(a, aBlock + (mc - mc % MR) * aRowStride, aRowStride, aColStride, mc % MR, kc);
                    }
                    macroKernel(mc, nc, kc, a, aBlock, aRowStride, aColStride, b, bBlock, ldb,
                            c, cOff + ic * crs + jc * ccs, crs, ccs, !accumulate && pc == 0);
                }
            }
        }
    }

    /**
     * C[0:mc, 0:nc] (element (i, j) at cBase + i * crs + j * ccs) += op(A) block . op(B) block, one
     * MR x NR micro-tile at a time. bBlock < 0 means B is in packedB. Full tiles of a normal C read
     * A (and an unpacked B) in place and add straight into C; partial tiles, and every tile of a
     * transposed C, go through the edge tile. {@code overwrite}: store instead of add.
     */
    private void macroKernel(int mc, int nc, int kc, float[] a, int aBlock, int ars, int aps,
                             float[] b, int bBlock, int ldb, float[] c, int cBase, int crs, int ccs,
                             boolean overwrite) {
        float[] tile = edge;
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            float[] bp;
            int bi, bps;
            if (bBlock < 0) {                  // panel jr / NR of the packed block
                bp = packedB;
                bi = jr * kc;
                bps = NR;
            } else if (w == NR) {              // B itself
                bp = b;
                bi = bBlock + jr;
                bps = ldb;
            } else {                           // the zero-padded last panel
                bp = edgeB;
                bi = 0;
                bps = NR;
            }
            for (int ir = 0; ir < mc; ir += MR) {
                int h = Math.min(MR, mc - ir);
                int ci = cBase + ir * crs + jr * ccs;
                if (h == MR && w == NR && ccs == 1) {
                    // Two kernels rather than a flag inside one: no branch near the stores.
                    if (overwrite) kernelSet(kc, a, aBlock + ir * ars, ars, aps, bp, bi, bps, c, ci, crs);
                    else kernelAdd(kc, a, aBlock + ir * ars, ars, aps, bp, bi, bps, c, ci, crs);
                } else {
                    // The full-size kernel writes a private tile, and only the h x w valid part
                    // reaches C (in whichever orientation).
                    if (h == MR) kernelSet(kc, a, aBlock + ir * ars, ars, aps, bp, bi, bps, tile, 0, NR);
                    else kernelSet(kc, edgeA, 0, 1, MR, bp, bi, bps, tile, 0, NR);
                    addTile(tile, h, w, c, ci, crs, ccs, overwrite);
                }
            }
        }
    }

    /** C tile (h x w at ci, strides crs/ccs) = or += the edge tile's top-left h x w. */
    private static void addTile(float[] tile, int h, int w, float[] c, int ci, int crs, int ccs, boolean overwrite) {
        if (ccs == 1) {
            for (int i = 0; i < h; i++) {
                int row = ci + i * crs, t = i * NR;
                if (overwrite) System.arraycopy(tile, t, c, row, w);
                else for (int j = 0; j < w; j++) c[row + j] += tile[t + j];
            }
        } else {                   // transposed C: a tile column is contiguous in c
            for (int j = 0; j < w; j++) {
                int col = ci + j * ccs;
                if (overwrite) for (int i = 0; i < h; i++) c[col + i] = tile[i * NR + j];
                else for (int i = 0; i < h; i++) c[col + i] += tile[i * NR + j];
            }
        }
    }

    private void ensureScratch(int kc, int packedBSize) {
        if (edgeA.length < MR * kc) edgeA = new float[MR * kc];
        if (edgeB.length < kc * NR) edgeB = new float[kc * NR];
        if (packedB.length < packedBSize) packedB = new float[packedBSize];
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    // ---- packing --------------------------------------------------------------------------------

    /**
     * B transposed (stored n x k, row stride ldb; op(B)(p, j) = B[j][p]): transposed into NR-wide
     * panels, kc x NR each, the last one zero-padded. Reads one row of B at a time (sequential)
     * and writes it down a panel column (stride NR; a panel is L1-sized).
     */
    private void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc) {
        float[] dst = packedB;
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int panel = jr * kc;
            for (int j = 0; j < w; j++) {
                int src = bOff + (jc + jr + j) * ldb + pc;
                int d = panel + j;
                for (int p = 0; p < kc; p++, d += NR) dst[d] = b[src + p];
            }
            for (int j = w; j < NR; j++) {
                int d = panel + j;
                for (int p = 0; p < kc; p++, d += NR) dst[d] = 0f;
            }
        }
    }

    /** An untransposed kc x nc B block (at src, row stride ldb) into packedB as kc x NR panels, the last zero-padded. */
    private void packB(float[] b, int src, int ldb, int kc, int nc) {
        float[] dst = packedB;
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int s = src + jr, d = jr * kc;
            if (w == NR) {
                for (int p = 0; p < kc; p++, s += ldb, d += NR) {
                    FloatVector.fromArray(S, b, s).intoArray(dst, d);
                    FloatVector.fromArray(S, b, s + VL).intoArray(dst, d + VL);
                }
            } else {
                for (int p = 0; p < kc; p++, s += ldb, d += NR) {
                    System.arraycopy(b, s, dst, d, w);
                    Arrays.fill(dst, d + w, d + NR, 0f);
                }
            }
        }
    }

    /** The last nc % NR columns of an untransposed kc x nc B block (at src) into edgeB, zero-padded to NR. */
    private void packBEdge(float[] b, int src, int ldb, int kc, int nc) {
        float[] dst = edgeB;
        int w = nc % NR;
        src += nc - w;
        for (int p = 0, d = 0; p < kc; p++, src += ldb, d += NR) {
            System.arraycopy(b, src, dst, d, w);
            Arrays.fill(dst, d + w, d + NR, 0f);
        }
    }

    /** h < MR rows of op(A) (element (i, p) at src + i * ars + p * aps) into edgeA as an MR x kc panel, zero-padded. */
    private void packAEdge(float[] a, int src, int ars, int aps, int h, int kc) {
        float[] dst = edgeA;
        for (int p = 0; p < kc; p++) {
            int d = p * MR, s = src + p * aps;
            for (int i = 0; i < h; i++) dst[d + i] = a[s + i * ars];
            for (int i = h; i < MR; i++) dst[d + i] = 0f;
        }
    }

    // ---- micro-kernels (identical but for the stores after the loop: edit both alike) ------------

    /**
     * C[ci: 8 rows x NR, row stride ldc] += sum over p < kc of op(A)(r, p) . op(B)(p, 0:NR), with
     * op(A)(r, p) = a[ai + r*ars + p*aps] and op(B)(p, 0:NR) = b[bi + p*bps ..]. Fully unrolled,
     * every accumulator a local so C2 keeps all 16 in registers; straight-line load/add/store after
     * the loop, no branches.
     */
    private static void kernelAdd(int kc, float[] a, int ai, int ars, int aps,
                                  float[] b, int bi, int bps, float[] c, int ci, int ldc) {
        int a1i = ai + ars;
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
        for (int p = 0; p < kc; p++) {
            int pa = p * aps, pb = bi + p * bps;
            FloatVector b0 = FloatVector.fromArray(S, b, pb);
            FloatVector b1 = FloatVector.fromArray(S, b, pb + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[ai + pa]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + pa]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + pa]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + pa]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + pa]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + pa]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + pa]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + pa]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        int r0 = ci;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + VL).add(c01).intoArray(c, r0 + VL);
        int r1 = ci + ldc;
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

    /** {@link #kernelAdd} that overwrites the C tile instead of adding to it: the first k block of an overwriting call. */
    private static void kernelSet(int kc, float[] a, int ai, int ars, int aps,
                                  float[] b, int bi, int bps, float[] c, int ci, int ldc) {
        int a1i = ai + ars;
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
        for (int p = 0; p < kc; p++) {
            int pa = p * aps, pb = bi + p * bps;
            FloatVector b0 = FloatVector.fromArray(S, b, pb);
            FloatVector b1 = FloatVector.fromArray(S, b, pb + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[ai + pa]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + pa]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + pa]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + pa]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + pa]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + pa]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + pa]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + pa]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        int r0 = ci;
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + VL);
        int r1 = ci + ldc;
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + VL);
        int r2 = ci + 2 * ldc;
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + VL);
        int r3 = ci + 3 * ldc;
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + VL);
        int r4 = ci + 4 * ldc;
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + VL);
        int r5 = ci + 5 * ldc;
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + VL);
        int r6 = ci + 6 * ldc;
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + VL);
        int r7 = ci + 7 * ldc;
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + VL);
    }
}
