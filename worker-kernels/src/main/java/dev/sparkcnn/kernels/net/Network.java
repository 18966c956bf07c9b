package dev.sparkcnn.kernels.net;

import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.tensor.Shape;

import java.util.List;

/**
 * A feed-forward stack of layers with its parameter layout: all parameters in one flat array,
 * layer i's at {@link Layer#paramOffset()}, gradients in an array of the same length, and the
 * non-trained state (batch-norm running statistics) in a third. The network holds no batch
 * memory; {@link #newWorkspace} does.
 */
public final class Network {

    private final Shape input;
    private final Layer[] layers;
    private final int paramCount;
    private final int stateCount;

    public Network(Shape input, List<Layer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("a network needs at least one layer");
        this.input = input;
        this.layers = layers.toArray(new Layer[0]);
        Shape expected = input;
        int p = 0, s = 0;
        for (int i = 0; i < this.layers.length; i++) {
            Layer l = this.layers[i];
            if (!l.inputShape().equals(expected)) {
                throw new IllegalArgumentException("layer " + i + " (" + l.kind() + ") expects input " + l.inputShape()
                        + " but the previous layer gives " + expected);
            }
            l.place(i, p, s);
            p = Math.addExact(p, l.paramCount());
            s = Math.addExact(s, l.stateCount());
            expected = l.outputShape();
        }
        this.paramCount = p;
        this.stateCount = s;
    }

    public Shape inputShape() {
        return input;
    }

    public Shape outputShape() {
        return layers[layers.length - 1].outputShape();
    }

    public int layerCount() {
        return layers.length;
    }

    public Layer layer(int i) {
        return layers[i];
    }

    public List<Layer> layers() {
        return List.of(layers);
    }

    public int paramCount() {
        return paramCount;
    }

    public int stateCount() {
        return stateCount;
    }

    /** Fresh parameters: each layer initialised from its own seed derived from (seed, layer index). */
    public float[] initParams(long seed) {
        float[] params = new float[paramCount];
        for (Layer l : layers) l.initParams(params, layerSeed(seed, l.index()));
        return params;
    }

    /** Initial state: running mean 0 and variance 1 for every batch norm. */
    public float[] initState() {
        float[] state = new float[stateCount];
        for (Layer l : layers) l.initState(state);
        return state;
    }

    static long layerSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Moves the running statistics towards this step's batch statistics:
     * {@code state = (1 - momentum) * state + momentum * stats / groups}, where {@code stats}
     * holds the sums over all {@code groups} normalisation groups of the step (summed across
     * partitions by the trainer). Every state element is a running mean or variance.
     */
    public static void applyStatistics(float[] state, float[] stats, long groups, float momentum) {
        if (groups <= 0 || state.length == 0) return;
        if (stats.length != state.length) {
            throw new IllegalArgumentException("statistics have " + stats.length + " values, state has " + state.length);
        }
        double inv = 1.0 / groups;
        for (int i = 0; i < state.length; i++) {
            state[i] = (float) ((1 - momentum) * state[i] + momentum * (stats[i] * inv));
        }
    }

    /** Buffers for batches of up to {@code capacity} samples, computing with {@code gemm}. */
    public Workspace newWorkspace(int capacity, Gemm gemm) {
        return new Workspace(this, capacity, gemm);
    }

    /** Forward floating-point operations per sample (multiply-add = 2). */
    public long forwardFlops() {
        long f = 0;
        for (Layer l : layers) f += l.forwardFlops();
        return f;
    }
}
