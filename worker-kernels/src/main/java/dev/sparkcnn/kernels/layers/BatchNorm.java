package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.tensor.Shape;

import java.util.Arrays;

/**
 * Batch normalisation per channel: over (N, H, W) for conv outputs, over N for a vector (C,1,1).
 *
 * <pre>
 *   x, y, xhat: (N, C, H, W)   params: gamma (C), beta (C)   state: running mean (C), running var (C)
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
        final float[] xhat;
        final float[] invStd;   // (groups, C); at most one group per sample

        Work(int capacity, int size, int channels) {
            xhat = new float[capacity * size];
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
        return new Work(capacity, in.size(), channels);
    }

    @Override
    public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
        Work wk = (Work) work;
        float[] p = ctx.params;
        int gamma = paramOffset(), beta = gamma + channels, size = in.size();
        if (!ctx.training) {
            int mean = stateOffset(), var = mean + channels;
            for (int c = 0; c < channels; c++) {
                float inv = (float) (1.0 / Math.sqrt(ctx.state[var + c] + eps));
                wk.invStd[c] = inv;
                float m = ctx.state[mean + c], ga = p[gamma + c], be = p[beta + c];
                for (int i = 0; i < n; i++) {
                    int o = i * size + c * spatial;
                    for (int s = 0; s < spatial; s++) {
                        float h = (x[o + s] - m) * inv;
                        wk.xhat[o + s] = h;
                        y[o + s] = ga * h + be;
                    }
                }
            }
            return;
        }
        int groups = ctx.normGroups(n), groupSize = ctx.normGroupSize <= 0 ? n : ctx.normGroupSize;
        for (int g = 0; g < groups; g++) {
            int s0 = g * groupSize, s1 = Math.min(n, s0 + groupSize);
            long count = (long) (s1 - s0) * spatial;
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int i = s0; i < s1; i++) {
                    int o = i * size + c * spatial;
                    for (int s = 0; s < spatial; s++) sum += x[o + s];
                }
                double mean = sum / count, sq = 0;
                for (int i = s0; i < s1; i++) {
                    int o = i * size + c * spatial;
                    for (int s = 0; s < spatial; s++) {
                        double d = x[o + s] - mean;
                        sq += d * d;
                    }
                }
                double var = sq / count;
                float inv = (float) (1.0 / Math.sqrt(var + eps));
                wk.invStd[g * channels + c] = inv;
                float m = (float) mean, ga = p[gamma + c], be = p[beta + c];
                for (int i = s0; i < s1; i++) {
                    int o = i * size + c * spatial;
                    for (int s = 0; s < spatial; s++) {
                        float h = (x[o + s] - m) * inv;
                        wk.xhat[o + s] = h;
                        y[o + s] = ga * h + be;
                    }
                }
                if (ctx.stats != null) {
                    ctx.stats[stateOffset() + c] += (float) mean;
                    ctx.stats[stateOffset() + channels + c] += count > 1 ? (float) (sq / (count - 1)) : 0f;
                }
            }
        }
    }

    @Override
    public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
        Work wk = (Work) work;
        float[] p = ctx.params, gr = ctx.grads;
        int gamma = paramOffset(), beta = gamma + channels, size = in.size();
        int groups = ctx.training ? ctx.normGroups(n) : 1;
        int groupSize = !ctx.training || ctx.normGroupSize <= 0 ? n : ctx.normGroupSize;
        for (int g = 0; g < groups; g++) {
            int s0 = g * groupSize, s1 = Math.min(n, s0 + groupSize);
            long count = (long) (s1 - s0) * spatial;
            for (int c = 0; c < channels; c++) {
                double sumDy = 0, sumDyXhat = 0;
                for (int i = s0; i < s1; i++) {
                    int o = i * size + c * spatial;
                    for (int s = 0; s < spatial; s++) {
                        sumDy += dy[o + s];
                        sumDyXhat += (double) dy[o + s] * wk.xhat[o + s];
                    }
                }
                gr[gamma + c] += (float) sumDyXhat;
                gr[beta + c] += (float) sumDy;
                if (dx == null) continue;
                float ga = p[gamma + c];
                if (ctx.training) {
                    // dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat)): the mean and
                    // variance depend on every x of the group
                    float scale = ga * wk.invStd[g * channels + c];
                    float meanDy = (float) (sumDy / count), meanDyXhat = (float) (sumDyXhat / count);
                    for (int i = s0; i < s1; i++) {
                        int o = i * size + c * spatial;
                        for (int s = 0; s < spatial; s++) {
                            dx[o + s] = scale * (dy[o + s] - meanDy - wk.xhat[o + s] * meanDyXhat);
                        }
                    }
                } else {
                    float scale = ga * wk.invStd[c];
                    for (int i = s0; i < s1; i++) {
                        int o = i * size + c * spatial;
                        for (int s = 0; s < spatial; s++) dx[o + s] = scale * dy[o + s];
                    }
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
