package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * ResNet basic block (He et al. 2016, the CIFAR variant):
 *
 * <pre>
 *   main:     conv3x3(K, stride s, pad 1, no bias) -> BN -> ReLU -> conv3x3(K, pad 1, no bias) -> BN
 *   shortcut: identity, or conv1x1(K, stride s, no bias) -> BN when s != 1 or C != K ("projection")
 *   y = ReLU(main(x) + shortcut(x))
 *   x: (N, C, H, W)   y: (N, K, H/s, W/s)
 * </pre>
 * The inner layers are ordinary layers with views into this block's parameter and state range,
 * so their gradient checks carry over; the block owns the intermediate buffers. The ReLUs are
 * fused into the batch norms before them (forward: one pass writes relu(bn(x)) and
 * relu(bn(x) + shortcut); backward: the mask is applied in the batch norm's first pass), which
 * saves two full passes over the activations each way.
 */
public final class ResidualBlock extends Layer {

    private final Conv2d conv1, conv2, projConv;
    private final BatchNorm bn1, bn2, projBn;
    private final Layer relu1;
    private final Layer[] inner;
    private final int stride;

    public ResidualBlock(Shape in, int filters, int stride, float eps) {
        super("residual", in, outShape(in, filters, stride));
        this.stride = stride;
        Window w1 = Window.of(in.height(), in.width(), 3, 3, stride, stride, 1, 1, 1, 1, Window.Rounding.FLOOR);
        conv1 = new Conv2d(in, filters, w1, false, Conv2d.InitKind.HE);
        bn1 = new BatchNorm(conv1.outputShape(), eps);
        relu1 = Activation.relu(bn1.outputShape());
        Shape mid = relu1.outputShape();
        conv2 = new Conv2d(mid, filters, Window.of(mid.height(), mid.width(), 3, 3, 1, 1, 1, 1, 1, 1, Window.Rounding.EXACT),
                false, Conv2d.InitKind.HE);
        bn2 = new BatchNorm(conv2.outputShape(), eps);
        if (stride != 1 || in.channels() != filters) {
            Window w0 = Window.of(in.height(), in.width(), 1, 1, stride, stride, 0, 0, 1, 1, Window.Rounding.FLOOR);
            projConv = new Conv2d(in, filters, w0, false, Conv2d.InitKind.HE);
            projBn = new BatchNorm(projConv.outputShape(), eps);
            inner = new Layer[] {conv1, bn1, relu1, conv2, bn2, projConv, projBn};
        } else {
            projConv = null;
            projBn = null;
            inner = new Layer[] {conv1, bn1, relu1, conv2, bn2};
        }
        if (!bn2.outputShape().equals(out)) {
            throw new ShapeException("residual block: main path gives " + bn2.outputShape() + " but " + out + " was expected");
        }
    }

    private static Shape outShape(Shape in, int filters, int stride) {
        if (filters <= 0) throw new ShapeException("filters must be positive, got " + filters);
        if (stride <= 0) throw new ShapeException("stride must be positive, got " + stride);
        // 3x3 pad 1 and 1x1 pad 0 at the same stride agree: (W - 1)/s + 1
        return new Shape(filters, (in.height() - 1) / stride + 1, (in.width() - 1) / stride + 1);
    }

    /** The inner layers in forward order (conv1, bn1, relu, conv2, bn2[, projection conv, projection bn]). */
    public java.util.List<Layer> innerLayers() {
        return java.util.List.of(inner);
    }

    public boolean hasProjection() {
        return projConv != null;
    }

    /** The main path's first convolution (3x3, the block's stride, no bias). */
    public Conv2d conv1() {
        return conv1;
    }

    public BatchNorm bn1() {
        return bn1;
    }

    /** The main path's second convolution (3x3, stride 1, no bias). */
    public Conv2d conv2() {
        return conv2;
    }

    public BatchNorm bn2() {
        return bn2;
    }

    /** The shortcut's 1x1 convolution, or null for an identity shortcut. */
    public Conv2d projectionConv() {
        return projConv;
    }

    /** The shortcut's batch norm, or null for an identity shortcut. */
    public BatchNorm projectionBn() {
        return projBn;
    }

    @Override
    public int paramCount() {
        int s = 0;
        for (Layer l : inner) s += l.paramCount();
        return s;
    }

    @Override
    public int stateCount() {
        int s = 0;
        for (Layer l : inner) s += l.stateCount();
        return s;
    }

    @Override
    public void place(int index, int paramOffset, int stateOffset) {
        super.place(index, paramOffset, stateOffset);
        int p = paramOffset, st = stateOffset;
        for (Layer l : inner) {
            l.place(index, p, st);
            p += l.paramCount();
            st += l.stateCount();
        }
    }

    @Override
    public void initParams(float[] params, long seed) {
        for (int i = 0; i < inner.length; i++) inner[i].initParams(params, seed * 31 + i);
    }

    @Override
    public void initState(float[] state) {
        for (Layer l : inner) l.initState(state);
    }

    private static final class Work {
        final Object[] inner;
        final float[] a1, a3, a4;           // conv1, relu(bn1), conv2 outputs (bn2 writes the block's output)
        final float[] s1, s2;               // projection conv, projection bn outputs
        final float[] g1, g2;               // gradient ping-pong through the main path
        final float[] gs;                   // gradient through the shortcut
        final float[] sum;                  // dL/d(main + shortcut)

        Work(ResidualBlock b, int capacity) {
            inner = new Object[b.inner.length];
            for (int i = 0; i < inner.length; i++) inner[i] = b.inner[i].allocate(capacity);
            int outLen = capacity * b.out.size(), inLen = capacity * b.in.size();
            a1 = new float[outLen];
            a3 = new float[outLen];
            a4 = new float[outLen];
            s1 = b.projConv != null ? new float[outLen] : null;
            s2 = b.projConv != null ? new float[outLen] : null;
            g1 = new float[Math.max(outLen, inLen)];
            g2 = new float[outLen];
            gs = b.projConv != null ? new float[Math.max(outLen, inLen)] : null;
            sum = new float[outLen];
        }
    }

    @Override
    public Object allocate(int capacity) {
        return new Work(this, capacity);
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        Work w = (Work) work;
        Object[] iw = w.inner;
        conv1.forward(ctx, iw[0], x, w.a1, n);
        bn1.forward(ctx, iw[1], w.a1, w.a3, n, null, true);             // relu(bn1(.)) in one pass
        conv2.forward(ctx, iw[3], w.a3, w.a4, n);
        float[] shortcut = x;
        if (projConv != null) {
            projConv.forward(ctx, iw[5], x, w.s1, n);
            projBn.forward(ctx, iw[6], w.s1, w.s2, n);
            shortcut = w.s2;
        }
        bn2.forward(ctx, iw[4], w.a4, y, n, shortcut, true);            // relu(bn2(.) + shortcut) in one pass
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        Work w = (Work) work;
        Object[] iw = w.inner;
        // main path, back to front; bn2 first writes dL/d(main + shortcut), dy where the block's
        // output is positive, to sum (the shortcut's gradient too)
        bn2.backwardMasked(ctx, iw[4], w.a4, y, dy, w.sum, w.g1, n);
        conv2.backward(ctx, iw[3], w.a3, w.a4, w.g1, w.g2, n);
        bn1.backwardMasked(ctx, iw[1], w.a1, w.a3, w.g2, w.g1, w.g1, n);       // the ReLU's mask, then bn1
        conv1.backward(ctx, iw[0], x, w.a1, w.g1, dx, n);
        if (projConv != null) {
            projBn.backward(ctx, iw[6], w.s1, w.s2, w.sum, w.gs, n);
            // the projection's input gradient is added to dx below, so it goes to g1 first
            projConv.backward(ctx, iw[5], x, w.s1, w.gs, dx == null ? null : w.g1, n);
            if (dx != null) {
                ctx.passes.addInto(dx, w.g1, 0, n * in.size());
            }
        } else if (dx != null) {
            ctx.passes.addInto(dx, w.sum, 0, n * out.size());
        }
    }

    @Override
    public String describe() {
        return out.channels() + " filters" + (stride != 1 ? " stride " + stride : "")
                + (projConv != null ? " projection" : " identity");
    }

    @Override
    public long forwardFlops() {
        long f = out.size();
        for (Layer l : inner) f += l.forwardFlops();
        return f;
    }
}
