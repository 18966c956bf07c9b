package dev.sparkcnn.kernels.gemm;

import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * {@link Gemm} on EJML's {@code CommonOps_FDRM}: the always-available implementation.
 *
 * <p>EJML matrices are dense row-major arrays that start at index 0 with no row stride, so an
 * operand is wrapped without copying when it is exactly that (offset 0, ld == columns) and
 * copied into a scratch matrix this instance owns otherwise (a batch slice of an activation,
 * a layer's weights inside the flat parameter array). Scratch grows to the largest shape seen
 * and is then reused: no allocation in steady state.
 */
public final class EjmlGemm implements Gemm {

    private final FMatrixRMaj viewA = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj viewB = new FMatrixRMaj(1, 1);
    private final FMatrixRMaj viewC = new FMatrixRMaj(1, 1);
    private float[] scratchA = new float[0], scratchB = new float[0], scratchC = new float[0];

    @Override
    public String name() {
        return "ejml";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        Gemm.checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        scratchA = bind(viewA, a, aOff, lda, aRows, aCols, scratchA, true);
        scratchB = bind(viewB, b, bOff, ldb, bRows, bCols, scratchB, true);
        boolean cDirect = cOff == 0 && ldc == n;
        scratchC = bind(viewC, c, cOff, ldc, m, n, scratchC, accumulate);

        if (accumulate) {
            if (!transA && !transB) CommonOps_FDRM.multAdd(viewA, viewB, viewC);
            else if (transA && !transB) CommonOps_FDRM.multAddTransA(viewA, viewB, viewC);
            else if (!transA) CommonOps_FDRM.multAddTransB(viewA, viewB, viewC);
            else CommonOps_FDRM.multAddTransAB(viewA, viewB, viewC);
        } else {
            if (!transA && !transB) CommonOps_FDRM.mult(viewA, viewB, viewC);
            else if (transA && !transB) CommonOps_FDRM.multTransA(viewA, viewB, viewC);
            else if (!transA) CommonOps_FDRM.multTransB(viewA, viewB, viewC);
            else CommonOps_FDRM.multTransAB(viewA, viewB, viewC);
        }
        if (!cDirect) {
            for (int i = 0; i < m; i++) System.arraycopy(viewC.data, i * n, c, cOff + i * ldc, n);
        }
    }

    /**
     * Points {@code view} at the rows x cols operand: the caller's array itself when it is laid out
     * as EJML expects, otherwise a copy in {@code scratch} (grown if needed, returned).
     */
    private static float[] bind(FMatrixRMaj view, float[] x, int off, int ld, int rows, int cols,
                                float[] scratch, boolean copyIn) {
        view.numRows = rows;
        view.numCols = cols;
        if (off == 0 && ld == cols) {
            view.data = x;
            return scratch;
        }
        int size = rows * cols;
        if (scratch.length < size) scratch = new float[size];
        if (copyIn) {
            for (int i = 0; i < rows; i++) System.arraycopy(x, off + i * ld, scratch, i * cols, cols);
        }
        view.data = scratch;
        return scratch;
    }
}
