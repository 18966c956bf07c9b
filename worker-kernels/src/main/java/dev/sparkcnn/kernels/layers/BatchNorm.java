package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

import java.util.Arrays;

/**
 * Batch normalisation per channel: over (N, H, W) for conv outputs, over N for a vector (C,1,1).
 *
 * <pre>
 *   x, y: (N, C, H, W)   params: gamma (C), beta (C)   state: running mean (C), running var (C)
 *   training:  y = gamma * (x - mean_g) / sqrt(var_g + eps) + beta, statistics of the sample's group g
 *   eval:      the same with the running statistics
 * </pre>
 *
 * <p>Training normalises by group ({@link Context#normGroupSize}, "ghost batch norm"): the
 * statistics of samples {@code [g*G, (g+1)*G)} of the batch. Because G does not depend on how a
 * global batch is split across partitions, 1, 2 or 4 partitions compute exactly what one process
 * computes. Each group's mean and unbiased variance are added to {@link Context#stats}; the
 * trainer averages them over all groups of the step and moves the running statistics by the
 * momentum ({@code Network#applyStatistics}), once per step, as one process would.
 *
 * <h2>Speed</h2>
 * Work goes one (group, channel) slice at a time (at most a few tens of KB, so the later passes
 * read it from L1), and sums run in independent float chains per image plane (vector lanes on
 * contexts with Vector-API kernels, {@link Passes}), added into a double per plane: one chain of
 * dependent double adds costs 4 cycles per element and was most of this layer's time. The normalised input xhat is not stored: backward recomputes it from x
 * and the saved mean and 1/std. A residual block fuses its ReLU and its shortcut addition into
 * the normalisation ({@link #forward(Context, Object, float[], float[], int, float[], boolean)})
 * and the ReLU's mask into the backward pass.
 */
public final class BatchNorm extends Layer {

    public static final float DEFAULT_EPS = 1e-5f;

    private final int channels;
    private final int spatial;
    private final float eps;

    public BatchNorm(Shape in, float eps) {
        super("batchnorm", in, in);
        if (!(eps > 0f)) throw new ShapeException("batchnorm eps must be > 0, got " + eps);
        this.channels = in.channels();
        this.spatial = in.height() * in.width();
        this.eps = eps;
    }

    public int channels() {
        return channels;
    }

    public float eps() {
        return eps;
    }

    private static final class Work {
        final float[] mean;     // (groups, C); at most one group per sample
        final float[] invStd;   // (groups, C)
        final double[] sums = new double[2];   // sumAndDot's two results

        Work(int capacity, int channels) {
            mean = new float[capacity * channels];
            invStd = new float[capacity * channels];
        }
    }

    @Override
    public int paramCount() {
        return 2 * channels;
    }

    @Override
    public int stateCount() {
        return 2 * channels;
    }

    @Override
    public void initParams(float[] params, long seed) {
        Arrays.fill(params, paramOffset(), paramOffset() + channels, 1f);
        Arrays.fill(params, paramOffset() + channels, paramOffset() + 2 * channels, 0f);
    }

    @Override
    public void initState(float[] state) {
        Arrays.fill(state, stateOffset(), stateOffset() + channels, 0f);
        Arrays.fill(state, stateOffset() + channels, stateOffset() + 2 * channels, 1f);
    }

    @Override
    public Object allocate(int capacity) {
        return new Work(capacity, channels);
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        forward(ctx, work, x, y, n, null, false);
    }

    /**
     * y = gamma * xhat + beta, then {@code + residual} when residual is not null, then ReLU when
     * {@code relu}: the epilogue of a residual block, {@code relu(bn(x) + shortcut)}, in one pass.
     */
    public void forward(Context ctx, Object work, float[] x, float[] y, int n, float[] residual, boolean relu) {
        Work wk = (Work) work;
        float[] p = ctx.params;
        int gamma = paramOffset(), beta = gamma + channels, size = in.size();
        if (!ctx.training) {
            int mean = stateOffset(), var = mean + channels;
            for (int c = 0; c < channels; c++) {
                float inv = (float) (1.0 / Math.sqrt(ctx.state[var + c] + eps));
                wk.mean[c] = ctx.state[mean + c];
                wk.invStd[c] = inv;
                float scale = p[gamma + c] * inv, shift = p[beta + c] - ctx.state[mean + c] * scale;
                for (int i = 0; i < n; i++) ctx.passes.normalise(x, y, i * size + c * spatial, spatial, scale, shift, residual, relu);
            }
            return;
        }
        int groups = ctx.normGroups(n), groupSize = ctx.normGroupSize <= 0 ? n : ctx.normGroupSize;
        for (int g = 0; g < groups; g++) {
            int s0 = g * groupSize, s1 = Math.min(n, s0 + groupSize);
            long count = (long) (s1 - s0) * spatial;
            for (int c = 0; c < channels; c++) {
                int first = s0 * size + c * spatial, planes = s1 - s0;
                double sum = ctx.passes.sumPlanes(x, first, spatial, size, planes);
                double mean = sum / count;
                float m = (float) mean;
                // second pass over the same slice (now in cache): the sum of squared deviations,
                // exact where sum(x^2) - n*mean^2 would cancel
                double sq = ctx.passes.squaredDeviationsPlanes(x, first, spatial, size, planes, m);
                // mean was rounded to float for the pass: correct for the offset (sum of (x - m) = sum - count*m)
                double offset = sum - count * (double) m;
                sq -= offset * offset / count;
                double var = Math.max(sq, 0) / count;
                float inv = (float) (1.0 / Math.sqrt(var + eps));
                wk.mean[g * channels + c] = m;
                wk.invStd[g * channels + c] = inv;
                float scale = p[gamma + c] * inv, shift = p[beta + c] - m * scale;
                for (int i = s0; i < s1; i++) ctx.passes.normalise(x, y, i * size + c * spatial, spatial, scale, shift, residual, relu);
                if (ctx.stats != null) {
                    ctx.stats[stateOffset() + c] += m;
                    ctx.stats[stateOffset() + channels + c] += count > 1 ? (float) (Math.max(sq, 0) / (count - 1)) : 0f;
                }
            }
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        backwardMasked(ctx, work, x, null, dy, null, dx, n);
    }

    /**
     * Backward of {@link #forward(Context, Object, float[], float[], int, float[], boolean)}. With
     * {@code reluOut} (the forward output of a fused ReLU) the incoming gradient is first masked
     * where that output is 0, slice by slice in the pass that sums it, and written to {@code masked}
     * (what the shortcut of a residual block needs too; it may be dx, then overwritten by the input
     * gradient slice by slice). dx may be the same array as dy.
     */
    public void backwardMasked(Context ctx, Object work, float[] x, float[] reluOut, float[] dy, float[] masked, float[] dx, int n) {
        Work wk = (Work) work;
        float[] p = ctx.params, gr = ctx.grads;
        int gamma = paramOffset(), beta = gamma + channels, size = in.size();
        int groups = ctx.training ? ctx.normGroups(n) : 1;
        int groupSize = !ctx.training || ctx.normGroupSize <= 0 ? n : ctx.normGroupSize;
        float[] g = dy;
        if (reluOut != null) {
            if (masked == null) throw new IllegalArgumentException(label() + ": a fused ReLU needs an array for the masked gradient");
            g = masked;
        }
        for (int gi = 0; gi < groups; gi++) {
            int s0 = gi * groupSize, s1 = Math.min(n, s0 + groupSize);
            long count = (long) (s1 - s0) * spatial;
            for (int c = 0; c < channels; c++) {
                int at = ctx.training ? gi * channels + c : c;
                float m = wk.mean[at], inv = wk.invStd[at];
                int first = s0 * size + c * spatial, planes = s1 - s0;
                if (reluOut != null) ctx.passes.maskSumAndDotPlanes(reluOut, dy, masked, x, first, spatial, size, planes, wk.sums);
                else ctx.passes.sumAndDotPlanes(g, x, first, spatial, size, planes, wk.sums);
                double sumDy = wk.sums[0], sumDyX = wk.sums[1];
                // sum(dy * xhat) with xhat = (x - m) * inv
                double sumDyXhat = (sumDyX - m * sumDy) * inv;
                gr[gamma + c] += (float) sumDyXhat;
                gr[beta + c] += (float) sumDy;
                if (dx == null) continue;
                float scale = p[gamma + c] * inv;
                if (ctx.training) {
                    // dx = gamma*inv * (dy - mean(dy) - xhat * mean(dy*xhat)): the mean and variance
                    // depend on every x of the group. As a*dy + b*x + c0 with xhat expanded:
                    float meanDy = (float) (sumDy / count), meanDyXhat = (float) (sumDyXhat / count);
                    float b = -scale * meanDyXhat * inv;
                    float c0 = -scale * meanDy - b * m;
                    for (int i = s0; i < s1; i++) ctx.passes.affine2(g, x, dx, i * size + c * spatial, spatial, scale, b, c0);
                } else {
                    for (int i = s0; i < s1; i++) ctx.passes.affine2(g, x, dx, i * size + c * spatial, spatial, scale, 0f, 0f);
                }
            }
        }
    }

    @Override
    public String describe() {
        return channels + " channels" + (eps != DEFAULT_EPS ? " eps " + eps : "");
    }

    @Override
    public long forwardFlops() {
        return 4L * in.size();
    }
}
