package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.optim.Init;
import dev.sparkcnn.kernels.tensor.Shape;

/**
 * 2-D convolution (cross-correlation, as every framework does) lowered to one GEMM per image.
 *
 * <pre>
 *   x:    (N, C, H, W)          weights: (K, C*kh*kw) row-major, then bias (K) if enabled
 *   cols: (C*kh*kw, outH*outW)  im2col of one image (scratch, reused for every image)
 *   y:    (N, K, outH, outW)    y_n = W . cols_n + b
 * </pre>
 * Backward per image, recomputing cols (cheaper than keeping N copies; the per-image matrices
 * stay in L2): {@code db += rowsum(dy_n)}, {@code dW += dy_n . cols_n^T}, and when dx is wanted
 * {@code dcols = W^T . dy_n} followed by col2im. A 1x1 convolution with stride 1 and no padding
 * uses the image itself as cols.
 */
public final class Conv2d extends Layer {

    public enum InitKind { HE, XAVIER }

    private final int filters;
    private final Window g;
    private final boolean bias;
    private final InitKind init;
    private final boolean pointwise;   // 1x1, stride 1, pad 0: cols == image
    private final int rows;            // C*kh*kw
    private final int plane;           // outH*outW

    public Conv2d(Shape in, int filters, Window g, boolean bias, InitKind init) {
        super("conv2d", in, new Shape(filters, g.outH(), g.outW()));
        if (filters <= 0) throw new ShapeException("filters must be positive, got " + filters);
        this.filters = filters;
        this.g = g;
        this.bias = bias;
        this.init = init;
        this.pointwise = g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.ph() == 0 && g.pw() == 0;
        this.rows = in.channels() * g.kh() * g.kw();
        this.plane = g.outH() * g.outW();
    }

    /** Convenience: square kernel, equal stride/padding, dilation 1, exact shapes, bias, He init. */
    public static Conv2d of(Shape in, int filters, int size, int stride, int pad) {
        Window g = Window.of(in.height(), in.width(), size, size, stride, stride, pad, pad, 1, 1, Window.Rounding.EXACT);
        return new Conv2d(in, filters, g, true, InitKind.HE);
    }

    public Window window() {
        return g;
    }

    public int filters() {
        return filters;
    }

    public boolean hasBias() {
        return bias;
    }

    @Override
    public int paramCount() {
        return filters * rows + (bias ? filters : 0);
    }

    @Override
    public void initParams(float[] params, long seed) {
        int fanIn = rows, fanOut = filters * g.kh() * g.kw();
        int off = paramOffset();
        if (init == InitKind.HE) Init.he(params, off, filters * rows, fanIn, fanOut, seed);
        else Init.xavier(params, off, filters * rows, fanIn, fanOut, seed);
        if (bias) java.util.Arrays.fill(params, off + filters * rows, off + paramCount(), 0f);
    }

    @Override
    public Object allocate(int capacity) {
        return pointwise ? null : new float[2 * rows * plane];   // cols, then dcols
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        float[] p = ctx.params;
        int w = paramOffset(), b = w + filters * rows;
        int inSize = in.size(), outSize = out.size();
        float[] cols = (float[]) work;
        for (int i = 0; i < n; i++) {
            float[] colsArr = pointwise ? x : cols;
            int colsOff = pointwise ? i * inSize : 0;
            if (!pointwise) Im2col.im2col(x, i * inSize, in.channels(), in.height(), in.width(), g, cols);
            int yOff = i * outSize;
            if (bias) {
                for (int k = 0; k < filters; k++) {
                    java.util.Arrays.fill(y, yOff + k * plane, yOff + (k + 1) * plane, p[b + k]);
                }
            }
            // y_n (K x plane) (+)= W (K x rows) . cols (rows x plane)
            ctx.gemm.gemm(false, false, filters, plane, rows, p, w, rows, colsArr, colsOff, plane, y, yOff, plane, bias);
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        float[] p = ctx.params, gr = ctx.grads;
        int w = paramOffset(), b = w + filters * rows;
        int inSize = in.size(), outSize = out.size();
        float[] scratch = (float[]) work;
        int dcolsOff = rows * plane;
        for (int i = 0; i < n; i++) {
            int dyOff = i * outSize;
            if (bias) {
                for (int k = 0; k < filters; k++) {
                    float s = 0f;
                    int o = dyOff + k * plane;
                    for (int j = 0; j < plane; j++) s += dy[o + j];
                    gr[b + k] += s;
                }
            }
            float[] colsArr = pointwise ? x : scratch;
            int colsOff = pointwise ? i * inSize : 0;
            if (!pointwise) Im2col.im2col(x, i * inSize, in.channels(), in.height(), in.width(), g, scratch);
            // dW (K x rows) += dy_n (K x plane) . cols^T (plane x rows)
            ctx.gemm.gemm(false, true, filters, rows, plane, dy, dyOff, plane, colsArr, colsOff, plane, gr, w, rows, true);
            if (dx == null) continue;
            if (pointwise) {
                // dx_n (C x plane) = W^T (C x K) . dy_n (K x plane)
                ctx.gemm.gemm(true, false, rows, plane, filters, p, w, rows, dy, dyOff, plane, dx, i * inSize, plane, false);
            } else {
                // dcols (rows x plane) = W^T (rows x K) . dy_n (K x plane), then scattered back
                ctx.gemm.gemm(true, false, rows, plane, filters, p, w, rows, dy, dyOff, plane, scratch, dcolsOff, plane, false);
                Im2col.col2im(scratch, dcolsOff, in.channels(), in.height(), in.width(), g, dx, i * inSize);
            }
        }
    }

    @Override
    public String describe() {
        return filters + " filters " + g.describe(false) + (bias ? "" : " no bias");
    }

    @Override
    public long forwardFlops() {
        return 2L * filters * rows * plane;
    }
}
