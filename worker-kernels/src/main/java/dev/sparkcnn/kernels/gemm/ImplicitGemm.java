package dev.sparkcnn.kernels.gemm;

/**
 * Matrix products where one operand is never materialised: its elements are read from another
 * array through offset tables. That is what lets a convolution run without im2col: the "columns"
 * matrix of an image is a set of shifted views of the zero-padded image, so row r of it starts at
 * {@code rowOffset[r]} in that image and its column p at {@code + colOffset[p]}.
 *
 * <pre>
 *   implicitB:  C[m x nVec*VL] += A . B     A(i, r) = a[aOff + i*ars + r*aps]            (strided, e.g. W^T)
 *                                            B(r, vector t) = b[bRow[r] + bVec[t] .. + VL)  (VL contiguous floats)
 *                                            C(i, vector t) at c[cOff + i*ldc + t*VL ..]
 *   implicitA:  C[m x n] += A . B            A(i, p) = a[aRow[aRowOff + i] + aCol[aColOff + p]]
 *                                            B(p, j) = b[bOff + p*ldb + j]                  (contiguous rows)
 *                                            C(i, j) at c[cOff + i*ldc + j]
 *   implicitDot: L[m x n x VL] += lanes of   A(i, vector t) = a[aOff + i*lda + t*VL .. + VL)  (contiguous rows)
 *                sum_t A(i, t) * B(j, t)     B(j, vector t) = b[bRow[j] + bVec[t] .. + VL)
 *                                            L(i, j) at l[(i*n + j)*VL ..]: VL partial sums per (i, j)
 * </pre>
 * {@code implicitDot} is the weight gradient with pixels as the vector dimension, for layers with
 * few filters (a 16-filter gradient fills only one vector when filters are the vector dimension):
 * its lanes keep partial sums over a whole batch, and the caller adds them once, in lane order.
 * {@code implicitB} vectorises over output pixels (wide images: each vector is VL pixels of one
 * output row); {@code implicitA} over the columns of B (output channels, or filters for the weight
 * gradient). Both only add into C. Row counts must be a multiple of {@link #rowBlock()} and
 * {@code n} of {@link #vectorLength()}: callers pad their tables and scratch to that.
 *
 * <p>An instance is not thread-safe (one per workspace, like {@link Gemm}); the only
 * implementation is on the JDK Vector API ({@link VectorImplicitGemm}), obtained from
 * {@link Gemm#implicitGemm()}. The plain reference is im2col + {@link Gemm}, which the layers keep.
 */
public interface ImplicitGemm {

    /** Floats per vector: the unit of {@code implicitB}'s columns and {@code implicitA}'s n. */
    int vectorLength();

    /** Rows per micro-tile: m must be a multiple of it. */
    int rowBlock();

    void implicitB(int m, int nVec, int k,
                   float[] a, int aOff, int ars, int aps,
                   float[] b, int[] bRow, int[] bVec,
                   float[] c, int cOff, int ldc);

    void implicitA(int m, int n, int k,
                   float[] a, int[] aRow, int aRowOff, int[] aCol, int aColOff,
                   float[] b, int bOff, int ldb,
                   float[] c, int cOff, int ldc);

    /** Tile of {@code implicitDot}: m and n must be multiples of it. */
    int dotBlock();

    void implicitDot(int m, int n, int nVec,
                     float[] a, int aOff, int lda,
                     float[] b, int[] bRow, int[] bVec,
                     float[] lanes);
}
