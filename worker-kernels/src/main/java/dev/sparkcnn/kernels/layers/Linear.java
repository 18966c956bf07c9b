package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * Fully connected layer over the flattened input, one GEMM for the whole batch.
 *
 * <pre>
 *   x: (N, D) with D = in.size() (any input shape is read flattened, C-major)
 *   weights: (K, D) row-major, then bias (K)
 *   y: (N, K) = x . W^T + b
 * </pre>
 * Backward: {@code dW += dy^T . x} (TN), {@code db += colsum(dy)}, {@code dx = dy . W} (NN).
 */
public final class Linear extends Layer {

    private final int units;
    private final int inputs;
    private final boolean bias;
    private final Conv2d.InitKind init;

    public Linear(Shape in, int units, boolean bias, Conv2d.InitKind init) {
        super("linear", in, Shape.vector(units));
        if (units <= 0) throw new ShapeException("units must be positive, got " + units);
        this.units = units;
        this.inputs = in.size();
        this.bias = bias;
        this.init = init;
    }

    public static Linear of(Shape in, int units) {
        return new Linear(in, units, true, Conv2d.InitKind.HE);
    }

    public int units() {
        return units;
    }

    /** Inputs per sample: the flattened input size. */
    public int inputs() {
        return inputs;
    }

    public boolean hasBias() {
        return bias;
    }

    @Override
    public int paramCount() {
        return units * inputs + (bias ? units : 0);
    }

    @Override
    public void initParams(float[] params, long seed) {
        int off = paramOffset();
        init.fill(params, off, units * inputs, inputs, units, seed);
        if (bias) java.util.Arrays.fill(params, off + units * inputs, off + paramCount(), 0f);
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        float[] p = ctx.params;
        int w = paramOffset(), b = w + units * inputs;
        if (bias) {
            for (int i = 0; i < n; i++) System.arraycopy(p, b, y, i * units, units);
        }
        // y (N x K) (+)= x (N x D) . W^T (D x K)
        ctx.gemm.gemm(false, true, n, units, inputs, x, 0, inputs, p, w, inputs, y, 0, units, bias);
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        float[] p = ctx.params, gr = ctx.grads;
        int w = paramOffset(), b = w + units * inputs;
        if (bias) {
            for (int i = 0; i < n; i++) {
                int o = i * units;
                for (int k = 0; k < units; k++) gr[b + k] += dy[o + k];
            }
        }
        // dW (K x D) += dy^T (K x N) . x (N x D)
        ctx.gemm.gemm(true, false, units, inputs, n, dy, 0, units, x, 0, inputs, gr, w, inputs, true);
        if (dx != null) {
            // dx (N x D) = dy (N x K) . W (K x D)
            ctx.gemm.gemm(false, false, n, inputs, units, dy, 0, units, p, w, inputs, dx, 0, inputs, false);
        }
    }

    @Override
    public String describe() {
        return inputs + " -> " + units + (bias ? "" : " no bias");
    }

    @Override
    public long forwardFlops() {
        return 2L * units * inputs;
    }
}
