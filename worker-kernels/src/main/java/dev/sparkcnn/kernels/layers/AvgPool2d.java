package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * Average pooling per channel. With padding, each window averages only the input pixels it
 * covers (PyTorch's {@code count_include_pad=False}), so borders are not darkened by zeros.
 * Global average pooling is the window that covers the whole input ({@link #global}).
 *
 * <pre>
 *   x: (N, C, H, W)   y: (N, C, outH, outW)
 * </pre>
 */
public final class AvgPool2d extends Layer {

    private final Window g;
    private final boolean global;

    public AvgPool2d(Shape in, Window g, boolean global) {
        super(global ? "globalavgpool" : "avgpool", in, new Shape(in.channels(), g.outH(), g.outW()));
        if (g.dh() != 1 || g.dw() != 1) throw new ShapeException("pooling has no dilation");
        this.g = g;
        this.global = global;
    }

    public static AvgPool2d global(Shape in) {
        return new AvgPool2d(in, Window.of(in.height(), in.width(), in.height(), in.width(), 1, 1, 0, 0, 1, 1,
                Window.Rounding.EXACT), true);
    }

    public Window window() {
        return g;
    }

    /** True for global average pooling (one window over the whole input). */
    public boolean isGlobal() {
        return global;
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        int h = in.height(), w = in.width(), oh = g.outH(), ow = g.outW();
        int planes = n * in.channels();
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w, yBase = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int y0 = oy * g.sh() - g.ph();
                int ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh(), h);
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = ox * g.sw() - g.pw();
                    int xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw(), w);
                    float s = 0f;
                    for (int iy = ys; iy < ye; iy++) {
                        int row = xBase + iy * w;
                        for (int ix = xs; ix < xe; ix++) s += x[row + ix];
                    }
                    y[yBase + oy * ow + ox] = s / ((ye - ys) * (xe - xs));
                }
            }
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        if (dx == null) return;
        int h = in.height(), w = in.width(), oh = g.outH(), ow = g.outW();
        java.util.Arrays.fill(dx, 0, n * in.size(), 0f);
        int planes = n * in.channels();
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w, yBase = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int y0 = oy * g.sh() - g.ph();
                int ys = Math.max(y0, 0), ye = Math.min(y0 + g.kh(), h);
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = ox * g.sw() - g.pw();
                    int xs = Math.max(x0, 0), xe = Math.min(x0 + g.kw(), w);
                    float share = dy[yBase + oy * ow + ox] / ((ye - ys) * (xe - xs));
                    for (int iy = ys; iy < ye; iy++) {
                        int row = xBase + iy * w;
                        for (int ix = xs; ix < xe; ix++) dx[row + ix] += share;
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return global ? "over " + in.height() + "x" + in.width() : g.describe(true);
    }

    @Override
    public long forwardFlops() {
        return (long) out.size() * g.kh() * g.kw();
    }
}
