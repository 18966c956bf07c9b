package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * Max pooling per channel, also overlapping (3x3 stride 2) and padded (padding never wins: it
 * counts as minus infinity). Forward remembers, for every output, the input index of its maximum
 * (first one on ties); backward routes dy there.
 *
 * <p>A ReLU right before a max pool can be folded into it ({@link #forward(Context, Object, float[],
 * float[], int, boolean)} with {@code relu}): {@code max(relu(x)) = relu(max(x))} value for value,
 * and the gradient of a window whose maximum is not positive is zero either way (ReLU's mask drops
 * whatever the pool routed to a zero). The network's workspace does that, saving ReLU's two full
 * passes over the larger tensor; the result is bitwise the same as the two layers in turn.
 *
 * <pre>
 *   x: (N, C, H, W)   y: (N, C, outH, outW)   argmax: (N, C, outH, outW) int, index into x
 * </pre>
 */
public final class MaxPool2d extends Layer {

    private final Window g;

    public MaxPool2d(Shape in, Window g) {
        super("maxpool", in, new Shape(in.channels(), g.outH(), g.outW()));
        if (g.dh() != 1 || g.dw() != 1) throw new ShapeException("pooling has no dilation");
        this.g = g;
    }

    public static MaxPool2d of(Shape in, int size, int stride) {
        return new MaxPool2d(in, Window.of(in.height(), in.width(), size, size, stride, stride, 0, 0, 1, 1, Window.Rounding.EXACT));
    }

    public Window window() {
        return g;
    }

    @Override
    public Object allocate(int capacity) {
        return new int[capacity * out.size()];
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        forward(ctx, work, x, y, n, false);
    }

    /** Forward; with {@code relu}, of ReLU then this pool: each maximum is clamped at 0 (argmax is x's). */
    public void forward(Context ctx, Object work, float[] x, float[] y, int n, boolean relu) {
        int[] argmax = (int[]) work;
        // the clamp's floor: -infinity leaves every value alone (Math.max(v, -inf) = v, also for -0 and NaN)
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        int h = in.height(), w = in.width(), oh = g.outH(), ow = g.outW();
        int planes = n * in.channels();
        // the fast path reads whole 2x2 windows: with round=ceil on an odd size the last row or
        // column of windows hangs over the edge, and those take the general (clipping) loop
        if (fits2x2()) {
            ctx.passes.maxPool2x2(x, y, argmax, planes, h, w, oh, ow, floor);
            return;
        }
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w, yBase = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int y0 = oy * g.sh() - g.ph();
                int ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh(), h);
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = ox * g.sw() - g.pw();
                    int xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw(), w);
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIdx = xBase + ys * w + xs;
                    for (int iy = ys; iy < ye; iy++) {
                        int row = xBase + iy * w;
                        for (int ix = xs; ix < xe; ix++) {
                            float v = x[row + ix];
                            // an int select (a cmov) and Math.max, no float select: see forward2x2
                            bestIdx = v > best ? row + ix : bestIdx;
                            best = Math.max(best, v);
                        }
                    }
                    y[yBase + oy * ow + ox] = Math.max(best, floor);
                    argmax[yBase + oy * ow + ox] = bestIdx;
                }
            }
        }
    }

    /** 2x2 windows, stride 2, no padding, every window inside the input (round=ceil on an odd size: not). */
    private boolean fits2x2() {
        return g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0
                && 2 * g.outH() <= in.height() && 2 * g.outW() <= in.width();
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        backward(ctx, work, y, dy, dx, n, false);
    }

    /**
     * Backward; with {@code relu}, of ReLU then this pool (after the matching forward): dx is the
     * gradient at the ReLU's input, and windows whose output y is not positive route nothing.
     */
    public void backward(Context ctx, Object work, float[] y, float[] dy, float[] dx, int n, boolean relu) {
        if (dx == null) return;
        int[] argmax = (int[]) work;
        if (fits2x2()) {
            // each input lies in one window: the vector pass writes every dx (the routed dy, +0
            // elsewhere) with no fill first
            ctx.passes.maxPool2x2Backward(y, dy, argmax, dx, n * in.channels(), in.height(), in.width(), g.outH(), g.outW(), relu);
            return;
        }
        Passes.routeBack(y, dy, argmax, dx, n * in.size(), n * out.size(), relu);
    }

    @Override
    public String describe() {
        return g.describe(true);
    }

    @Override
    public long forwardFlops() {
        return (long) out.size() * g.kh() * g.kw();
    }
}
