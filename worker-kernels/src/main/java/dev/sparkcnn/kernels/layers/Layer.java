package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * One layer: shape metadata, parameter count and initialisation, and the math of forward and
 * backward over plain NCHW float arrays (a batch of n samples is contiguous, sample i at
 * {@code i * shape.size()}).
 *
 * <p>A layer holds no per-batch memory itself: {@link #allocate(int)} makes its scratch for a
 * batch capacity (im2col columns, argmax indices, normalisation caches) and the workspace keeps
 * it. Parameters, gradients and state are views into the context's flat arrays at the offsets
 * the network assigns.
 */
public abstract class Layer {

    protected final String kind;
    protected final Shape in;
    protected final Shape out;
    private int index = -1;
    private int paramOffset;
    private int stateOffset;

    protected Layer(String kind, Shape in, Shape out) {
        this.kind = kind;
        this.in = in;
        this.out = out;
    }

    public final String kind() {
        return kind;
    }

    public final Shape inputShape() {
        return in;
    }

    public final Shape outputShape() {
        return out;
    }

    /** Trainable parameters. */
    public int paramCount() {
        return 0;
    }

    /** Non-trained state floats (running statistics). */
    public int stateCount() {
        return 0;
    }

    /** Fills this layer's parameters (at {@link #paramOffset()}) from a seed. */
    public void initParams(float[] params, long seed) {
    }

    /** Fills this layer's state at {@link #stateOffset()} with its initial values. */
    public void initState(float[] state) {
    }

    /** The layer's scratch for batches of up to {@code capacity} samples, or null if it needs none. */
    public Object allocate(int capacity) {
        return null;
    }

    /** y = f(x) for n samples: x is (n, in), y is (n, out). */
    public abstract void forward(Context ctx, Object work, float[] x, float[] y, int n);

    /**
     * Given dy = dL/dy, adds dL/dparams into ctx.grads and writes dx = dL/dx (overwriting).
     * dx is null when nobody needs the input gradient (the first layer): skip that work.
     * x and y are the arrays of the preceding forward call, unchanged.
     */
    public abstract void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n);

    /** One-line description of the configuration for summaries, e.g. "32 filters 5x5 pad 2". */
    public abstract String describe();

    /** Floating-point operations of a forward pass per sample (multiply-add = 2), for throughput reports. */
    public long forwardFlops() {
        return (long) out.size();
    }

    public final int index() {
        return index;
    }

    public final int paramOffset() {
        return paramOffset;
    }

    public final int stateOffset() {
        return stateOffset;
    }

    /** Called once by the network that owns the layer. */
    public void place(int index, int paramOffset, int stateOffset) {
        this.index = index;
        this.paramOffset = paramOffset;
        this.stateOffset = stateOffset;
    }

    /** "conv2d (layer 3)", the name errors use. */
    public String label() {
        return kind + " (layer " + index + ")";
    }

    @Override
    public String toString() {
        return kind + " " + describe();
    }
}
