package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.ImplicitGemm;
import dev.sparkcnn.kernels.optim.Init;
import dev.sparkcnn.kernels.tensor.Shape;

import java.util.Arrays;

/**
 * 2-D convolution (cross-correlation, as every framework does), forward and backward.
 *
 * <pre>
 *   x:    (N, C, H, W)          weights: (K, C*kh*kw) row-major, then bias (K) if enabled
 *   cols: (C*kh*kw, outH*outW)  im2col of one image: row r = (c*kh + i)*kw + j
 *   y:    (N, K, outH, outW)    y_n = W . cols_n + b
 *   backward: db += rowsum(dy_n), dW += dy_n . cols_n^T, dx_n = col2im(W^T . dy_n)
 * </pre>
 *
 * <h2>Three ways to compute it</h2>
 * <b>im2col + GEMM</b> (the reference, and the only way with EJML): cols is copied out per image
 * (800 KB for cifar-quick's conv2) and multiplied; col2im scatters the input gradient back. A 1x1
 * convolution with stride 1 and no padding uses the image itself as cols.
 *
 * <p><b>Implicit GEMM</b> (when the context has {@link ImplicitGemm} kernels and the shape fits):
 * the image is copied once into a zero-padded buffer xp (C, Hp, Wp), and row r of cols is then
 * the view of xp starting at {@code xRow[r] = c*Hp*Wp + i*dh*Wp + j*dw}: column p (output pixel
 * oy, ox) is at {@code + xPix[p] = oy*sh*Wp + ox*sw}. No cols buffer exists; the kernels read xp
 * through these tables. Which operand is vectorised follows the shape (the larger of pixels and
 * channels):
 * <ul>
 *   <li>forward, wide rows (stride 1, outW a multiple of the vector length VL): vectors of VL
 *       output pixels, {@code y_n(K x P) += W^T' . xp-views} ({@link ImplicitGemm#implicitB});</li>
 *   <li>forward otherwise (K a multiple of VL, any stride): vectors of output channels,
 *       {@code y_n^T(P x K) = cols^T . W^T}, transposed into y with the bias
 *       ({@link ImplicitGemm#implicitA});</li>
 *   <li>weight gradient, wide rows with few weights (stride 1, outW a multiple of VL, K x R x VL
 *       partial sums within 256 KB): vectors of VL output pixels, VL partial sums per weight
 *       ({@link ImplicitGemm#implicitDot}) kept over the batch and added once, in lane order;</li>
 *   <li>weight gradient otherwise (K a multiple of VL): {@code dW^T(R x K) += cols . dy_n^T}, summed over
 *       all images of the batch in one scratch and added to the gradients once;</li>
 *   <li>input gradient (stride 1, padding at most the kernel's reach): the "full" convolution of
 *       dy, zero-padded by {@code q = dh*(kh-1) - ph}, with the weights rotated by 180 degrees and
 *       C and K swapped, {@code dx_n(C x H*W) = Wrot . dyp-views}: the forward kernel again, wide
 *       or channel-vectorised by the same rule.</li>
 * </ul>
 * <b>Winograd F(2x2, 3x3)</b> ({@link Winograd}, with the vector kernels): "same" 3x3 convolutions
 * (stride 1, padding 1, even sizes) with at least 32 channels and filters, both multiples of VL,
 * take it for all three parts: 2.25x fewer multiplies in 16 GEMMs over transformed 4x4 tiles.
 * ResNet's 32- and 64-channel stages; 16 channels stay direct (the transforms cost more there).
 *
 * <p>Anything that does not fit (a filter count that is not a multiple of 8 or VL, strided input
 * gradients) takes the im2col path for that part only, and so do 1x1 kernels, whose cols are the
 * image or a subsample of it (padding whole images measured 2x slower on ResNet's projections). {@code FastVersusNaiveTest} holds every
 * path to plain loops.
 */
public final class Conv2d extends Layer {

    /**
     * Weight initialisation: He (Kaiming normal) for layers followed by ReLU, Xavier (Glorot
     * uniform), or OUTPUT, Glorot uniform scaled by {@link Init#OUTPUT_GAIN}, the default of a
     * network's last weight layer so that its class scores start near 0 and the softmax loss near
     * ln 10 (measured on 1,000 CIFAR-10 images: He 3.72 for cifar-quick, Xavier 3.57, OUTPUT 2.31).
     */
    public enum InitKind {
        HE, XAVIER, OUTPUT;

        /** Fills {@code a[off, off+len)} for a layer with the given fans. */
        public void fill(float[] a, int off, int len, int fanIn, int fanOut, long seed) {
            switch (this) {
                case HE:
                    Init.he(a, off, len, fanIn, fanOut, seed);
                    break;
                case XAVIER:
                    Init.xavier(a, off, len, fanIn, fanOut, seed);
                    break;
                default:
                    Init.xavier(a, off, len, fanIn, fanOut, seed);
                    for (int i = off; i < off + len; i++) a[i] *= Init.OUTPUT_GAIN;
            }
        }
    }

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
        init.fill(params, off, filters * rows, fanIn, fanOut, seed);
        if (bias) Arrays.fill(params, off + filters * rows, off + paramCount(), 0f);
    }

    /**
     * Per-workspace scratch. Every buffer is per image (never per batch), made on the first call
     * once the vector length of the context's kernels is known, and reused: a step allocates nothing.
     */
    private static final class Work {
        Plan plan;
        float[] cols;   // im2col path: cols then dcols, 2 * rows * plane
        float[] xp;     // zero-padded image (C, Hp, Wp); only the interior is ever written
        float[] wT;     // W^T (rows x K)
        float[] yT;     // y_n^T (P rounded up to the row block, x K)
        float[] dyT;    // dy_n^T (P x K)
        float[] dwT;    // dW^T summed over the batch (rows rounded up, x K)
        float[] lanes;  // dW as VL partial sums per (k, r), summed over the batch (K x rows rounded up x VL)
        float[] dyp;    // zero-padded dy_n (K, Hq, Wq)
        float[] wrT;    // rotated weights, transposed: (K*kh*kw x C)
        float[] dxT;    // dx_n^T (H*W rounded up, x C)
        Winograd wino;  // the Winograd path's transforms and scratch
        final int capacity;

        Work(int capacity) {
            this.capacity = capacity;
        }
    }

    @Override
    public Object allocate(int capacity) {
        return new Work(capacity);
    }

    private Work work(Object o, ImplicitGemm ig) {
        Work wk = (Work) o;
        int vl = ig == null ? 0 : ig.vectorLength();
        if (wk.plan == null || wk.plan.vl != vl) {
            Plan p = new Plan(vl, ig == null ? 0 : ig.rowBlock(), ig == null ? 0 : ig.dotBlock());
            wk.plan = p;
            if (p.forward == Path.WINOGRAD) {
                wk.wino = new Winograd(in.channels(), filters, in.height(), in.width(), wk.capacity);
                wk.cols = wk.xp = wk.wT = wk.yT = wk.dyT = wk.dwT = wk.lanes = wk.dyp = wk.wrT = wk.dxT = null;
                return wk;
            }
            wk.wino = null;
            int c = in.channels(), k = filters;
            boolean anyIm2col = !pointwise && (p.forward == Path.IM2COL || p.weightGrad == Path.IM2COL
                    || p.inputGrad == Path.IM2COL);
            wk.cols = anyIm2col ? new float[2 * rows * plane] : null;
            boolean anyDirect = p.forward != Path.IM2COL || p.weightGrad != Path.IM2COL;
            wk.xp = anyDirect ? new float[c * p.hp * p.wp] : null;
            wk.wT = p.forward != Path.IM2COL ? new float[rows * k] : null;
            wk.yT = p.forward == Path.CHANNELS ? new float[p.planeRounded * k] : null;
            wk.dyT = p.weightGrad == Path.CHANNELS ? new float[plane * k] : null;
            wk.dwT = p.weightGrad == Path.CHANNELS ? new float[p.rowsRounded * k] : null;
            wk.lanes = p.weightGrad == Path.PIXELS ? new float[k * p.rowsDot * vl] : null;
            wk.dyp = p.inputGrad != Path.IM2COL ? new float[k * p.hq * p.wq] : null;
            wk.wrT = p.inputGrad != Path.IM2COL ? new float[k * g.kh() * g.kw() * c] : null;
            wk.dxT = p.inputGrad == Path.CHANNELS ? new float[p.inPlaneRounded * c] : null;
        }
        return wk;
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        Work wk = work(work, ctx.implicit);
        Plan pl = wk.plan;
        float[] p = ctx.params;
        int w = paramOffset(), b = w + filters * rows;
        int inSize = in.size(), outSize = out.size();
        if (pl.forward == Path.WINOGRAD) {
            wk.wino.forward(ctx.gemm, p, w, bias ? p : null, b, x, y, n);
            return;
        }
        if (pl.forward != Path.IM2COL) transposeWeights(p, w, wk.wT);
        for (int i = 0; i < n; i++) {
            int yOff = i * outSize;
            switch (pl.forward) {
                case PIXELS:
                    // y_n (K x P) = bias, then += W^T' . views of xp, VL output pixels per vector
                    padImage(x, i * inSize, wk.xp, pl);
                    fillBias(p, b, y, yOff);
                    ctx.implicit.implicitB(filters, plane / pl.vl, rows, wk.wT, 0, 1, filters,
                            wk.xp, pl.xRow, pl.xVec, y, yOff, plane);
                    break;
                case CHANNELS:
                    // y_n^T (P x K) = cols^T . W^T, with cols^T(p, r) = xp[xPix[p] + xRow[r]]
                    padImage(x, i * inSize, wk.xp, pl);
                    Arrays.fill(wk.yT, 0f);
                    ctx.implicit.implicitA(pl.planeRounded, filters, rows, wk.xp, pl.xPix, 0, pl.xRow, 0,
                            wk.wT, 0, filters, wk.yT, 0, filters);
                    ctx.passes.transposeOut(wk.yT, filters, plane, y, yOff, bias ? p : null, b);
                    break;
                default: {
                    float[] colsArr = pointwise ? x : wk.cols;
                    int colsOff = pointwise ? i * inSize : 0;
                    if (!pointwise) Im2col.im2col(x, i * inSize, in.channels(), in.height(), in.width(), g, wk.cols);
                    fillBias(p, b, y, yOff);
                    // y_n (K x plane) (+)= W (K x rows) . cols (rows x plane)
                    ctx.gemm.gemm(false, false, filters, plane, rows, p, w, rows, colsArr, colsOff, plane, y, yOff, plane, bias);
                }
            }
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        Work wk = work(work, ctx.implicit);
        Plan pl = wk.plan;
        float[] p = ctx.params, gr = ctx.grads;
        int w = paramOffset(), b = w + filters * rows;
        int inSize = in.size(), outSize = out.size();
        int c = in.channels(), inPlane = in.height() * in.width();
        // db += the sum of each dy plane, image by image (every path)
        if (bias) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < filters; k++) gr[b + k] += (float) ctx.passes.sum(dy, i * outSize + k * plane, plane);
            }
        }
        if (pl.weightGrad == Path.WINOGRAD) {
            wk.wino.weightGradient(ctx.gemm, x, dy, n, gr, w);
            if (dx != null) wk.wino.inputGradient(ctx.gemm, p, w, dy, dx, n);
            return;
        }
        if (pl.weightGrad == Path.CHANNELS) Arrays.fill(wk.dwT, 0f);
        if (pl.weightGrad == Path.PIXELS) Arrays.fill(wk.lanes, 0f);
        if (dx != null && pl.inputGrad != Path.IM2COL) rotateWeights(p, w, wk.wrT);
        for (int i = 0; i < n; i++) {
            int dyOff = i * outSize;
            // weight gradient
            if (pl.weightGrad == Path.PIXELS) {
                // dW(k, r) lanes += sum over pixel vectors t of dy_n(k, t) * cols(r, t), cols(r, t) = xp[xRow[r] + xVec[t]]
                padImage(x, i * inSize, wk.xp, pl);
                ctx.implicit.implicitDot(filters, pl.rowsDot, plane / pl.vl, dy, dyOff, plane, wk.xp, pl.xRow, pl.xVec, wk.lanes);
            } else if (pl.weightGrad == Path.CHANNELS) {
                // dW^T (rows x K) += cols (rows x P) . dy_n^T (P x K), cols(r, p) = xp[xRow[r] + xPix[p]]
                padImage(x, i * inSize, wk.xp, pl);
                ctx.passes.transposeIn(dy, dyOff, filters, plane, wk.dyT);
                ctx.implicit.implicitA(pl.rowsRounded, filters, plane, wk.xp, pl.xRow, 0, pl.xPix, 0,
                        wk.dyT, 0, filters, wk.dwT, 0, filters);
            } else {
                float[] colsArr = pointwise ? x : wk.cols;
                int colsOff = pointwise ? i * inSize : 0;
                if (!pointwise) Im2col.im2col(x, i * inSize, c, in.height(), in.width(), g, wk.cols);
                // dW (K x rows) += dy_n (K x plane) . cols^T (plane x rows)
                ctx.gemm.gemm(false, true, filters, rows, plane, dy, dyOff, plane, colsArr, colsOff, plane, gr, w, rows, true);
            }
            if (dx == null) continue;
            int dxOff = i * inSize;
            switch (pl.inputGrad) {
                case PIXELS:
                    // dx_n (C x H*W) = Wrot^T' . views of the padded dy_n, VL input pixels per vector
                    padGradient(dy, dyOff, wk.dyp, pl);
                    Arrays.fill(dx, dxOff, dxOff + inSize, 0f);
                    ctx.implicit.implicitB(c, inPlane / pl.vl, pl.rotRows, wk.wrT, 0, 1, c,
                            wk.dyp, pl.dyRow, pl.dxVec, dx, dxOff, inPlane);
                    break;
                case CHANNELS:
                    padGradient(dy, dyOff, wk.dyp, pl);
                    Arrays.fill(wk.dxT, 0f);
                    ctx.implicit.implicitA(pl.inPlaneRounded, c, pl.rotRows, wk.dyp, pl.dxPix, 0, pl.dyRow, 0,
                            wk.wrT, 0, c, wk.dxT, 0, c);
                    ctx.passes.transposeOut(wk.dxT, c, inPlane, dx, dxOff, null, 0);
                    break;
                default:
                    if (pointwise) {
                        // dx_n (C x plane) = W^T (C x K) . dy_n (K x plane)
                        ctx.gemm.gemm(true, false, rows, plane, filters, p, w, rows, dy, dyOff, plane, dx, dxOff, plane, false);
                    } else {
                        // dcols (rows x plane) = W^T (rows x K) . dy_n (K x plane), then scattered back
                        int dcolsOff = rows * plane;
                        ctx.gemm.gemm(true, false, rows, plane, filters, p, w, rows, dy, dyOff, plane, wk.cols, dcolsOff, plane, false);
                        Im2col.col2im(wk.cols, dcolsOff, c, in.height(), in.width(), g, dx, dxOff);
                    }
            }
        }
        if (pl.weightGrad == Path.PIXELS) {
            // gradients (K x rows) += the lanes of each (k, r), added in lane order, once per batch
            int vl = pl.vl;
            for (int k = 0; k < filters; k++) {
                for (int r = 0; r < rows; r++) {
                    int l = (k * pl.rowsDot + r) * vl;
                    double s = 0;
                    for (int e = 0; e < vl; e++) s += wk.lanes[l + e];
                    gr[w + k * rows + r] += (float) s;
                }
            }
        } else if (pl.weightGrad == Path.CHANNELS) {
            // gradients (K x rows) += dW^T, once per batch
            for (int r = 0; r < rows; r++) {
                int src = r * filters;
                for (int k = 0; k < filters; k++) gr[w + k * rows + r] += wk.dwT[src + k];
            }
        }
    }

    // ---- the implicit path's data movement --------------------------------------------------------

    /** How each part is computed for one vector length (0: no implicit kernels). */
    private enum Path { IM2COL, PIXELS, CHANNELS, WINOGRAD }

    /** The paths and the offset tables of the implicit GEMM, fixed by the geometry and VL. */
    private final class Plan {
        final int vl;
        final Path forward, weightGrad, inputGrad;
        final int hp, wp;                  // padded input
        final int hq, wq, qh, qw;          // padded output gradient and its padding
        final int rowsRounded, planeRounded, inPlaneRounded, rotRows, rowsDot;
        final int[] xRow, xPix, xVec;      // cols(r, p) = xp[xRow[r] + xPix[p]]; wide vectors at xVec[t]
        final int[] dyRow, dxPix, dxVec;   // the same for the full convolution of dy

        Plan(int vl, int mr, int db) {
            this.vl = vl;
            int c = in.channels(), h = in.height(), w = in.width(), k = filters;
            int kh = g.kh(), kw = g.kw(), oh = g.outH(), ow = g.outW();
            boolean stride1 = g.sh() == 1 && g.sw() == 1;
            // 1x1 kernels stay on im2col + GEMM: their cols are the (strided) image itself, a cheap
            // copy, while the implicit path pads whole images (measured 2x slower on ResNet's projections)
            boolean direct = vl > 0 && kh * kw > 1;
            if (WINOGRAD && Winograd.fits(g, h, w, c, k, vl) && Math.min(c, k) >= WINOGRAD_MIN_CHANNELS) {
                // all three parts as F(2x2, 3x3); nothing else of the plan is used
                forward = weightGrad = inputGrad = Path.WINOGRAD;
                hp = wp = hq = wq = qh = qw = rowsRounded = planeRounded = inPlaneRounded = rotRows = rowsDot = 0;
                xRow = xPix = xVec = dyRow = dxPix = dxVec = null;
                return;
            }
            // forward
            if (direct && stride1 && ow % vl == 0 && k % mr == 0) forward = Path.PIXELS;
            else if (direct && k % vl == 0) forward = Path.CHANNELS;
            else forward = Path.IM2COL;
            // the weight gradient over pixels where rows of VL output pixels exist and its lanes (VL
            // partial sums per weight) stay within a quarter of L2: ResNet's 16-filter stage (1.2x
            // faster than one vector of channels, whose loads are mostly scalar broadcasts) and the
            // 3-channel first layers (2.4x); 32 filters at 16x16 ran 1.4-2x slower (1.6 MB of lanes)
            long lanesBytes = (long) k * roundUp(rows, Math.max(db, 1)) * vl * Float.BYTES;
            if (direct && stride1 && ow % vl == 0 && k % db == 0 && lanesBytes <= DOT_LANES_KB * 1024L) weightGrad = Path.PIXELS;
            else if (direct && k % vl == 0) weightGrad = Path.CHANNELS;
            else weightGrad = Path.IM2COL;
            // the input gradient as a full convolution needs stride 1 and padding within the kernel's reach
            qh = g.dh() * (kh - 1) - g.ph();
            qw = g.dw() * (kw - 1) - g.pw();
            boolean full = direct && stride1 && qh >= 0 && qw >= 0;
            if (full && w % vl == 0 && c % mr == 0) inputGrad = Path.PIXELS;
            else if (full && c % vl == 0) inputGrad = Path.CHANNELS;
            else inputGrad = Path.IM2COL;

            // rows beyond the input (round=ceil windows) read zeros, like padding
            hp = Math.max(h + 2 * g.ph(), (oh - 1) * g.sh() + g.dh() * (kh - 1) + 1);
            wp = Math.max(w + 2 * g.pw(), (ow - 1) * g.sw() + g.dw() * (kw - 1) + 1);
            int mrs = Math.max(mr, 1);
            rowsRounded = roundUp(rows, mrs);
            rowsDot = roundUp(rows, Math.max(db, 1));
            planeRounded = roundUp(plane, mrs);
            inPlaneRounded = roundUp(h * w, mrs);
            rotRows = k * kh * kw;
            // padded tables repeat their last entry: the extra rows compute garbage that is never read
            xRow = new int[Math.max(rowsRounded, rowsDot)];
            for (int ch = 0, r = 0; ch < c; ch++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++, r++) xRow[r] = ch * hp * wp + i * g.dh() * wp + j * g.dw();
            Arrays.fill(xRow, rows, xRow.length, xRow[rows - 1]);
            xPix = new int[planeRounded];
            for (int oy = 0, q = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, q++) xPix[q] = oy * g.sh() * wp + ox * g.sw();
            Arrays.fill(xPix, plane, planeRounded, xPix[plane - 1]);
            xVec = forward == Path.PIXELS || weightGrad == Path.PIXELS ? vectorBases(oh, ow, wp, vl) : null;

            hq = oh + 2 * Math.max(qh, 0);
            wq = ow + 2 * Math.max(qw, 0);
            if (inputGrad != Path.IM2COL) {
                dyRow = new int[rotRows];
                for (int kk = 0, r = 0; kk < k; kk++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++, r++) dyRow[r] = kk * hq * wq + i * g.dh() * wq + j * g.dw();
                dxPix = new int[inPlaneRounded];
                for (int yy = 0, q = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++, q++) dxPix[q] = yy * wq + xx;
                Arrays.fill(dxPix, h * w, inPlaneRounded, dxPix[h * w - 1]);
                dxVec = inputGrad == Path.PIXELS ? vectorBases(h, w, wq, vl) : null;
            } else {
                dyRow = dxPix = dxVec = null;
            }
        }
    }

    /** Start, in a padded image of row length rowLen, of each run of vl pixels of an (h x w) output. */
    private static int[] vectorBases(int h, int w, int rowLen, int vl) {
        int perRow = w / vl;
        int[] t = new int[h * perRow];
        for (int y = 0, i = 0; y < h; y++)
            for (int v = 0; v < perRow; v++, i++) t[i] = y * rowLen + v * vl;
        return t;
    }

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /** xp's interior = image n; the border was zeroed at allocation and is never written. */
    private void padImage(float[] x, int xOff, float[] xp, Plan pl) {
        int c = in.channels(), h = in.height(), w = in.width();
        for (int ch = 0; ch < c; ch++) {
            int dst = ch * pl.hp * pl.wp + g.ph() * pl.wp + g.pw(), src = xOff + ch * h * w;
            for (int iy = 0; iy < h; iy++, dst += pl.wp, src += w) copyRow(x, src, xp, dst, w);
        }
    }

    /** dyp's interior = dy of one image, at (qh, qw) in each (hq x wq) plane. */
    private void padGradient(float[] dy, int dyOff, float[] dyp, Plan pl) {
        int oh = g.outH(), ow = g.outW();
        for (int k = 0; k < filters; k++) {
            int dst = k * pl.hq * pl.wq + pl.qh * pl.wq + pl.qw, src = dyOff + k * plane;
            for (int oy = 0; oy < oh; oy++, dst += pl.wq, src += ow) copyRow(dy, src, dyp, dst, ow);
        }
    }

    /** A short row copy: a plain loop (vectorised by C2) beats System.arraycopy's call on 8-32 floats. */
    private static void copyRow(float[] src, int s, float[] dst, int d, int len) {
        for (int e = 0; e < len; e++) dst[d + e] = src[s + e];
    }

    private void fillBias(float[] p, int b, float[] y, int yOff) {
        if (bias) {
            for (int k = 0; k < filters; k++) Arrays.fill(y, yOff + k * plane, yOff + (k + 1) * plane, p[b + k]);
        } else {
            Arrays.fill(y, yOff, yOff + filters * plane, 0f);
        }
    }

    /** wT (rows x K) = W (K x rows). */
    private void transposeWeights(float[] p, int w, float[] wT) {
        for (int k = 0; k < filters; k++) {
            int src = w + k * rows;
            for (int r = 0; r < rows; r++) wT[r * filters + k] = p[src + r];
        }
    }

    /** wrT (K*kh*kw x C): row (k, i', j'), column c = W[k][c][kh-1-i'][kw-1-j'] (180-degree rotation). */
    private void rotateWeights(float[] p, int w, float[] wrT) {
        int c = in.channels(), kh = g.kh(), kw = g.kw();
        for (int k = 0; k < filters; k++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) {
                        int r = (k * kh + i) * kw + j;
                        wrT[r * c + ch] = p[w + k * rows + (ch * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
                    }
    }

    /**
     * Largest lane buffer (KB) of the pixel-vectorised weight gradient; {@code -Dsparkcnn.conv.dotLanesKB=0}
     * turns that path off (for the benchmark's comparison).
     */
    private static final int DOT_LANES_KB = Integer.getInteger("sparkcnn.conv.dotLanesKB", 256);

    /**
     * Winograd F(2x2, 3x3) for "same" 3x3 convolutions with the vector kernels ({@link Winograd});
     * {@code -Dsparkcnn.conv.winograd=false} turns it off (for the benchmark's comparison).
     */
    private static final boolean WINOGRAD = Boolean.parseBoolean(System.getProperty("sparkcnn.conv.winograd", "true"));

    /**
     * Fewest input channels and filters for Winograd: its products are 16 GEMMs whose inner dimension is
     * the channel count, and its transforms cost per channel what the direct kernels spend on 9 / C of
     * a channel's multiplies. Measured (ConvBenchmark, resnet20, batch 64, forward / backward ms,
     * direct -> Winograd): 64x8x8 1.81 / 3.59 -> 1.16 / 2.50, 32x16x16 1.65 / 3.52 -> 1.62 / 3.19,
     * 16x32x32 1.77 / 4.16 -> 4.21 / 9.09.
     */
    private static final int WINOGRAD_MIN_CHANNELS = Integer.getInteger("sparkcnn.conv.winogradMinChannels", 32);

    /** Which path each part takes with kernels of vector length vl (for tests and the benchmark's table). */
    public String paths(int vl) {
        Plan p = new Plan(vl, vl > 0 ? 8 : 0, vl > 0 ? 4 : 0);
        return "forward " + name(p.forward) + ", dW " + name(p.weightGrad) + ", dx " + name(p.inputGrad);
    }

    private static String name(Path p) {
        return p == Path.IM2COL ? "im2col" : p == Path.PIXELS ? "direct/pixels" : p == Path.WINOGRAD ? "winograd" : "direct/channels";
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
