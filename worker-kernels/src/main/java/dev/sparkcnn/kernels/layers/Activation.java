package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

import java.util.Locale;

/**
 * Elementwise nonlinearity; x and y have the same shape (N, ...).
 * ReLU, sigmoid and tanh differentiate from y; leaky ReLU and softplus from x.
 */
public final class Activation extends Layer {

    public enum Kind {
        RELU, LEAKYRELU, SIGMOID, TANH, SOFTPLUS;

        public static Kind parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT).replace("_", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown activation '" + name
                        + "': expected relu, leakyrelu, sigmoid, tanh or softplus");
            }
        }

        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind fn;
    private final float slope;

    public Activation(Shape in, Kind fn, float slope) {
        super(fn.specName(), in, in);
        this.fn = fn;
        this.slope = slope;
    }

    public static Activation relu(Shape in) {
        return new Activation(in, Kind.RELU, 0f);
    }

    public Kind function() {
        return fn;
    }

    /** Leaky ReLU's slope for x < 0 (0 for the other functions). */
    public float slope() {
        return slope;
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        int len = n * in.size();
        switch (fn) {
            case RELU:
                for (int i = 0; i < len; i++) y[i] = Math.max(x[i], 0f);
                break;
            case LEAKYRELU:
                for (int i = 0; i < len; i++) y[i] = x[i] > 0f ? x[i] : slope * x[i];
                break;
            case SIGMOID:
                for (int i = 0; i < len; i++) y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
                break;
            case TANH:
                for (int i = 0; i < len; i++) y[i] = (float) Math.tanh(x[i]);
                break;
            case SOFTPLUS:
                // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), stable for large |x|
                for (int i = 0; i < len; i++) y[i] = (float) (Math.max(x[i], 0f) + Math.log1p(Math.exp(-Math.abs(x[i]))));
                break;
            default:
                throw new AssertionError(fn);
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        if (dx == null) return;
        int len = n * in.size();
        switch (fn) {
            case RELU:
                ctx.passes.reluMask(y, dy, dx, 0, len);
                break;
            case LEAKYRELU:
                for (int i = 0; i < len; i++) dx[i] = x[i] > 0f ? dy[i] : slope * dy[i];
                break;
            case SIGMOID:
                for (int i = 0; i < len; i++) dx[i] = dy[i] * y[i] * (1f - y[i]);
                break;
            case TANH:
                for (int i = 0; i < len; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
                break;
            case SOFTPLUS:
                // d/dx log(1 + e^x) = sigmoid(x)
                for (int i = 0; i < len; i++) dx[i] = dy[i] * (float) (1.0 / (1.0 + Math.exp(-x[i])));
                break;
            default:
                throw new AssertionError(fn);
        }
    }

    @Override
    public String describe() {
        return fn == Kind.LEAKYRELU ? "slope " + slope : "";
    }
}
