package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/** (N, C, H, W) -> (N, C*H*W): the memory is already in that order, so this is a copy. */
public final class Flatten extends Layer {

    public Flatten(Shape in) {
        super("flatten", in, Shape.vector(in.size()));
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        System.arraycopy(x, 0, y, 0, n * in.size());
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        if (dx != null) System.arraycopy(dy, 0, dx, 0, n * in.size());
    }

    @Override
    public String describe() {
        return in + " -> " + out.channels();
    }

    @Override
    public long forwardFlops() {
        return 0;
    }
}
