package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

/**
 * Inverted dropout: in training each element is zeroed with probability p and the survivors
 * are scaled by 1/(1-p), so evaluation is the identity.
 *
 * <p>The mask is a pure function of (dropout seed, the sample's key, this layer's index, the
 * element), a counter-based hash rather than a stateful generator: the same sample gets the same
 * mask whichever partition, thread or batch position computes it, and a retried task
 * reproduces it exactly.
 *
 * <pre>
 *   x, y, mask: (N, ...) with mask = 0 or 1/(1-p)
 * </pre>
 */
public final class Dropout extends Layer {

    private final float p;

    public Dropout(Shape in, float p) {
        super("dropout", in, in);
        if (!(p >= 0f && p < 1f)) throw new ShapeException("dropout probability must be in [0, 1), got " + p);
        this.p = p;
    }

    public float probability() {
        return p;
    }

    @Override
    public Object allocate(int capacity) {
        return new float[capacity * in.size()];
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        int size = in.size(), len = n * size;
        float[] mask = (float[]) work;
        if (!ctx.training || p == 0f) {
            System.arraycopy(x, 0, y, 0, len);
            java.util.Arrays.fill(mask, 0, len, 1f);
            return;
        }
        float keep = 1f / (1f - p);
        // threshold on 24 random bits: P(drop) = p up to 2^-24
        int threshold = (int) (p * (1 << 24));
        for (int i = 0; i < n; i++) {
            long key = ctx.sampleKeys == null ? i : ctx.sampleKeys[i];
            long base = mix(ctx.dropoutSeed ^ mix(key * 0x9E3779B97F4A7C15L + index()));
            int o = i * size;
            for (int e = 0; e < size; e++) {
                int r = (int) (mix(base + e * 0xBF58476D1CE4E5B9L) >>> 40);
                // keep * (r >= threshold ? 1 : 0) by the sign bit of r - threshold (both in [0, 2^24)):
                // no float select, which C2 compiles to a branch that random bits mispredict
                float m = keep * (1 - ((r - threshold) >>> 31));
                mask[o + e] = m;
                y[o + e] = x[o + e] * m;
            }
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        if (dx == null) return;
        float[] mask = (float[]) work;
        int len = n * in.size();
        for (int i = 0; i < len; i++) dx[i] = dy[i] * mask[i];
    }

    /** SplitMix64's finaliser: a bijective 64-bit mix with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String describe() {
        return "p " + p;
    }
}
