package dev.sparkcnn.kernels.gemm;

/**
 * Single-precision matrix multiply over plain row-major arrays with offsets and leading
 * dimensions, the one primitive conv and fully connected layers are built on:
 *
 * <pre>
 *   C[m x n]  = op(A) . op(B)          (accumulate == false)
 *   C[m x n] += op(A) . op(B)          (accumulate == true)
 *   op(A) is m x k: A itself (m x k, row stride lda) or, with transA, the transpose of a k x m A
 *   op(B) is k x n: B itself (k x n, row stride ldb) or, with transB, the transpose of an n x k B
 * </pre>
 *
 * Conv forward is NN (Y = W . cols), the weight gradient NT (dW += dY . cols^T) and the input
 * gradient TN (dcols = W^T . dY); Linear uses the same three forms.
 *
 * <p>An instance owns its packing scratch and is not thread-safe: one per workspace (one per
 * thread). Implementations: {@link EjmlGemm} (always available) and {@code VectorGemm} (the
 * JDK Vector API, used when the {@code jdk.incubator.vector} module is present); {@link
 * Gemms#create()} picks.
 */
public interface Gemm {

    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc,
              boolean accumulate);

    /** Short name for logs and benchmark tables, e.g. "ejml" or "vector-512". */
    String name();

    /**
     * The im2col-free convolution kernels that come with this implementation, or null (EJML has
     * none: convolutions then run as im2col + this GEMM, the always-available path).
     */
    default ImplicitGemm implicitGemm() {
        return null;
    }

    /** Argument checks shared by the implementations: sizes and array bounds, with the offending value named. */
    static void checkArguments(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        checkOperand("A", a, aOff, lda, aRows, aCols);
        checkOperand("B", b, bOff, ldb, bRows, bCols);
        checkOperand("C", c, cOff, ldc, m, n);
    }

    private static void checkOperand(String name, float[] x, int off, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) {
            throw new IllegalArgumentException("gemm: leading dimension of " + name + " is " + ld
                    + " but the matrix has " + cols + " columns");
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException("gemm: " + name + " (" + rows + "x" + cols + ", offset " + off
                    + ", ld " + ld + ") needs " + last + " elements but the array has " + x.length);
        }
    }
}
