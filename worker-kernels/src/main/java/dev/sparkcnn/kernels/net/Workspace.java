package dev.sparkcnn.kernels.net;

import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.layers.Activation;
import dev.sparkcnn.kernels.layers.MaxPool2d;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.loss.Loss;

/**
 * Every buffer one (network, batch capacity) needs, allocated once: each layer's output
 * activation, each layer's scratch (im2col columns, argmax indices, normalisation caches), two
 * gradient buffers used in turn on the way back, and the loss gradient. Runs any batch of
 * {@code n <= capacity} samples; a training step allocates nothing.
 *
 * <pre>
 *   act[0] = the caller's input (N, input), act[i + 1] = output of layer i (N, layer i out)
 * </pre>
 * A ReLU followed by a max pool runs as one pass ({@link MaxPool2d#forward(Context, Object, float[],
 * float[], int, boolean)}): the ReLU layer's output is never written and its backward is the pool's,
 * bitwise the same result without two full passes over the larger tensor (cifar-quick's first ReLU
 * reads and writes 8 MB per batch of 64 each way). {@code -Dsparkcnn.fuseReluPool=false} runs them
 * apart (for the benchmark's comparison).
 *
 * <p>Not thread-safe: one per thread (a Spark executor keeps one per task slot).
 */
public final class Workspace {

    private final Network net;
    private final int capacity;
    private final Context ctx;
    private final float[][] act;
    private final Object[] work;
    private final float[] gradA, gradB;
    private final float[] dLogits;
    private final long[] forwardNanos, backwardNanos;
    /** fused[i]: layer i is a ReLU folded into the max pool i + 1 (which then reads act[i]). */
    private final boolean[] fused;
    private boolean timing;
    private int lastCorrect;

    Workspace(Network net, int capacity, Gemm gemm) {
        if (capacity <= 0) throw new IllegalArgumentException("workspace capacity must be positive, got " + capacity);
        this.net = net;
        this.capacity = capacity;
        this.ctx = new Context(gemm);
        int layers = net.layerCount();
        act = new float[layers + 1][];
        work = new Object[layers];
        fused = new boolean[layers];
        boolean fuse = Boolean.parseBoolean(System.getProperty("sparkcnn.fuseReluPool", "true"));
        // not the first layer: the pool would then compute an input gradient nobody asked for
        for (int i = 1; fuse && i + 1 < layers; i++) {
            fused[i] = net.layer(i) instanceof Activation a && a.function() == Activation.Kind.RELU
                    && net.layer(i + 1) instanceof MaxPool2d;
        }
        int maxGrad = 0;
        for (int i = 0; i < layers; i++) {
            Layer l = net.layer(i);
            // a fused ReLU's output is never written: no buffer
            act[i + 1] = fused[i] ? null : new float[Math.multiplyExact(capacity, l.outputShape().size())];
            work[i] = l.allocate(capacity);
            maxGrad = Math.max(maxGrad, Math.max(l.inputShape().size(), l.outputShape().size()));
        }
        gradA = new float[Math.multiplyExact(capacity, maxGrad)];
        gradB = new float[gradA.length];
        dLogits = new float[capacity * net.outputShape().size()];
        forwardNanos = new long[layers];
        backwardNanos = new long[layers];
    }

    public Network network() {
        return net;
    }

    public int capacity() {
        return capacity;
    }

    /** The context: point {@code params}, {@code grads}, {@code state}, {@code stats} at the caller's arrays. */
    public Context context() {
        return ctx;
    }

    /**
     * Points the context at new arrays for a stand-alone training run (benchmarks, tests): parameters
     * initialised from {@code seed}, zero gradients and statistics, the initial state, sample keys
     * 0 (set them for dropout), training mode. Returns the context.
     */
    public Context bindNewTraining(long seed) {
        ctx.params = net.initParams(seed);
        ctx.grads = new float[net.paramCount()];
        ctx.state = net.initState();
        ctx.stats = new float[net.stateCount()];
        ctx.training = true;
        ctx.sampleKeys = new long[capacity];
        return ctx;
    }

    /**
     * Forward pass of n samples of {@code x} (N, input). Returns the workspace's output buffer
     * (N, classes), valid until the next call.
     */
    public float[] forward(float[] x, int n) {
        checkBatch(x, n);
        act[0] = x;
        for (int i = 0; i < act.length - 1; i++) {
            if (fused[i]) continue;
            long t0 = timing ? System.nanoTime() : 0;
            if (i > 0 && fused[i - 1]) {
                ((MaxPool2d) net.layer(i)).forward(ctx, work[i], act[i - 1], act[i + 1], n, true);
            } else {
                net.layer(i).forward(ctx, work[i], act[i], act[i + 1], n);
            }
            if (timing) forwardNanos[i] += System.nanoTime() - t0;
        }
        return act[act.length - 1];
    }

    /**
     * Backward pass of the preceding {@link #forward} given dL/d(output); adds the parameter
     * gradients into {@code context().grads}. The input gradient is not computed.
     */
    public void backward(float[] dOutput, int n) {
        float[] dy = dOutput, dx = gradA;
        for (int i = act.length - 2; i >= 0; i--) {
            // a fused ReLU: the pool after it already wrote the gradient at the ReLU's input into dy
            if (fused[i]) continue;
            long t0 = timing ? System.nanoTime() : 0;
            float[] target = i == 0 ? null : dx;
            if (i > 0 && fused[i - 1]) {
                ((MaxPool2d) net.layer(i)).backward(ctx, work[i], act[i + 1], dy, target, n, true);
            } else {
                net.layer(i).backward(ctx, work[i], act[i], act[i + 1], dy, target, n);
            }
            if (timing) backwardNanos[i] += System.nanoTime() - t0;
            dy = dx;
            dx = dx == gradA ? gradB : gradA;
        }
    }

    /**
     * Forward, loss and backward for n samples with labels {@code labels[labelOff..]}: adds
     * {@code gradScale} times the gradient of the summed loss into {@code context().grads} and
     * returns the summed loss. The number of correct predictions is then {@link #lastCorrect()}.
     */
    public double trainStep(float[] x, int[] labels, int labelOff, int n, Loss loss, float gradScale) {
        float[] logits = forward(x, n);
        int classes = net.outputShape().size();
        lastCorrect = Loss.correct(logits, n, classes, labels, labelOff);
        double sum = loss.forwardBackward(logits, n, classes, labels, labelOff, dLogits, gradScale);
        backward(dLogits, n);
        return sum;
    }

    /** Correct predictions of the last {@link #trainStep}. */
    public int lastCorrect() {
        return lastCorrect;
    }

    /** Turns per-layer timing on (for benchmarks); {@link #forwardNanos()} and {@link #backwardNanos()} accumulate. */
    public void setTiming(boolean on) {
        timing = on;
    }

    /** True if layer i (a ReLU) runs inside the next layer's pass (a max pool) and has no time of its own. */
    public boolean fusedIntoNext(int i) {
        return fused[i];
    }

    public long[] forwardNanos() {
        return forwardNanos;
    }

    public long[] backwardNanos() {
        return backwardNanos;
    }

    private void checkBatch(float[] x, int n) {
        if (n < 1 || n > capacity) {
            throw new IllegalArgumentException("batch of " + n + " samples does not fit a workspace of capacity " + capacity);
        }
        long need = (long) n * net.inputShape().size();
        if (x.length < need) {
            throw new IllegalArgumentException("input has " + x.length + " floats, " + n + " samples of "
                    + net.inputShape() + " need " + need);
        }
    }
}
