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
        if (g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0
                && 2 * oh <= h && 2 * ow <= w) {
            forward2x2(x, y, argmax, planes, h, w, oh, ow, floor);
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

    /** The common 2x2 stride-2 case; the caller checked that every window lies inside the input. */
    private static void forward2x2(float[] x, float[] y, int[] argmax, int planes, int h, int w, int oh, int ow, float floor) {
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w, yBase = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = xBase + 2 * oy * w, r1 = r0 + w, out = yBase + oy * ow;
                for (int ox = 0; ox < ow; ox++) {
                    int i0 = r0 + 2 * ox, i2 = r1 + 2 * ox;
                    float a = x[i0], b = x[i0 + 1], c = x[i2], d = x[i2 + 1];
                    // first maximum in window order a, b, c, d (ties keep the earlier). The indices are
                    // picked with integer arithmetic on 0/1 compares and the value with Math.max: C2
                    // compiles a float "c ? u : v" to a branch on x86 (no cmov for XMM registers), which
                    // random data mispredicts; this form is 7x faster (16 -> 2.3 ns per output here)
                    float top = Math.max(a, b), bottom = Math.max(c, d);
                    int topIdx = i0 + (b > a ? 1 : 0);
                    int bottomIdx = i2 + (d > c ? 1 : 0);
                    int lower = bottom > top ? 1 : 0;
                    y[out + ox] = Math.max(Math.max(top, bottom), floor);
                    argmax[out + ox] = topIdx + lower * (bottomIdx - topIdx);
                }
            }
        }
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
        java.util.Arrays.fill(dx, 0, n * in.size(), 0f);
        int total = n * out.size();
        if (relu) {
            // a branch, not a select: after a ReLU most windows have a positive maximum (~94% of
            // 2x2 windows of random signs), so it is predicted well; masking dy's bits was slower
            for (int i = 0; i < total; i++) {
                if (y[i] > 0f) dx[argmax[i]] += dy[i];
            }
        } else {
            for (int i = 0; i < total; i++) dx[argmax[i]] += dy[i];
        }
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
