package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.Seeds;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.loss.Loss;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Workspace;
import dev.sparkcnn.kernels.optim.LrSchedule;
import dev.sparkcnn.kernels.optim.Optimizer;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.util.SplittableRandom;

/**
 * A plain single-process trainer written from the documented semantics (README "Semantics",
 * {@link dev.sparkcnn.driver.data.ShardPlan}'s class comment), sharing none of the training code
 * it checks: no ShardPlan, Shard, ShardStep, PartitionWork, ImageFiller, Normalization or Trainer.
 * Each step it assembles the whole global batch itself and runs ONE workspace training step over it:
 *
 * <pre>
 *   N records, V shards: shard v is records [floor(v N / V), floor((v+1) N / V))
 *   T = ceil(N / B) steps per epoch; epoch e visits shard v in the Fisher-Yates order drawn from
 *     SplittableRandom(Seeds.mix(seed, 0x5EED0001, e, v))
 *   step t of epoch e: shard v gives positions [floor(t Nv / T), floor((t+1) Nv / T)) of that order;
 *     the global batch is the shards' slices in shard order
 *   batch norm: each shard's slice is one group (here all slices have the same size G, so the groups
 *     are the batch's consecutive runs of G samples: normGroupSize = G)
 *   input: (pixel / 255 - mean_c) / std_c with the training set's per-channel mean and deviation (from integer sums)
 *   augmentation of record r in epoch e: h = Seeds.mix(seed, 0xA06, e, r); flip iff bit 40 of h;
 *     crop offsets dy = (h mod 9) - 4, dx = ((h >>> 16) mod 9) - 4 into the image padded with black
 *   dropout: seed Seeds.mix(seed, 0xD50), sample key (e << 40) ^ r
 *   update: params by the configured optimizer and schedule with the mean gradient;
 *     running BN statistics = (1 - momentum) running + momentum * (mean of the step's groups' statistics)
 * </pre>
 */
final class ReferenceTrainer {

    private final TrainConfig cfg;
    private final CifarBlock data;
    private final Network net;
    private final Workspace ws;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final float[] params, state, grads, stats;
    private final float[] mean = new float[3], std = new float[3], scale = new float[3], shift = new float[3];
    private final int records, shards, batch, steps, group;
    private final float[] x;
    private final int[] labels;
    private long globalStep;

    ReferenceTrainer(TrainConfig cfg, ModelSpec spec, CifarBlock data) {
        this.cfg = cfg;
        this.data = data;
        this.net = spec.build();
        this.loss = Loss.named(spec.loss());
        this.records = data.size();
        this.shards = cfg.shards();
        this.batch = cfg.batchSize();
        this.steps = (records + batch - 1) / batch;
        // the groups are formed explicitly as equal runs of the global batch, so every shard's slice must have one size
        if (records % shards != 0 || (records / shards) % steps != 0) {
            throw new IllegalArgumentException("the reference needs equal slices: " + records + " records, " + shards + " shards, "
                    + steps + " steps per epoch");
        }
        this.group = records / shards / steps;
        this.ws = net.newWorkspace(group * shards, Gemms.create());
        ws.context().sampleKeys = new long[group * shards];
        this.params = net.initParams(cfg.seed());
        this.state = net.initState();
        this.grads = new float[params.length];
        this.stats = new float[state.length];
        this.optimizer = Optimizers.create(cfg, params.length);
        this.schedule = Optimizers.schedule(cfg, steps);
        this.x = new float[group * shards * 3 * 32 * 32];
        this.labels = new int[group * shards];
        statistics();
    }

    /**
     * Per-channel mean and standard deviation of all training pixels, scaled to [0, 1], from exact
     * integer sums (as documented: the same for any partitioning), rounded to float once.
     */
    private void statistics() {
        for (int c = 0; c < 3; c++) {
            long sum = 0, sq = 0;
            for (int i = 0; i < records; i++) {
                for (int y = 0; y < 32; y++) {
                    for (int xx = 0; xx < 32; xx++) {
                        long v = data.pixel(i, c, y, xx);
                        sum += v;
                        sq += v * v;
                    }
                }
            }
            double n = records * 1024.0, m = sum / n;
            mean[c] = (float) (m / 255);
            std[c] = (float) (Math.sqrt(sq / n - m * m) / 255);
            // (v / 255 - mean) / std, evaluated as one multiply-add per pixel so that inputs are bitwise those of the
            // kernel's input filling: only the summation orders of the two trainers differ, not their inputs
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
    }

    /** Trains {@code total} steps from the start. */
    void train(int total) {
        for (int s = 0; s < total; s++) step(s / steps, s % steps);
    }

    private void step(int epoch, int t) {
        long seed = cfg.seed();
        boolean flip = !cfg.get("augment").equals("false"), crop = cfg.get("augment").equals("true");
        Context ctx = ws.context();
        int n = 0;
        for (int v = 0; v < shards; v++) {
            int first = (int) ((long) v * records / shards), size = (int) ((long) (v + 1) * records / shards) - first;
            int[] order = permutation(size, Seeds.mix(seed, 0x5EED0001L, epoch, v));
            int from = (int) ((long) t * size / steps), to = (int) ((long) (t + 1) * size / steps);
            for (int k = from; k < to; k++, n++) {
                int record = first + order[k];
                long h = Seeds.mix(seed, 0xA06L, epoch, record);
                boolean flipped = flip && ((h >>> 40) & 1) == 1;
                int dy = crop ? (int) Math.floorMod(h, 9L) - 4 : 0, dx = crop ? (int) Math.floorMod(h >>> 16, 9L) - 4 : 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 32; y++) {
                        for (int xx = 0; xx < 32; xx++) {
                            int sy = y + dy, sx = (flipped ? 31 - xx : xx) + dx;
                            int pixel = sy < 0 || sy > 31 || sx < 0 || sx > 31 ? 0 : data.pixel(record, c, sy, sx);
                            x[n * 3072 + c * 1024 + y * 32 + xx] = pixel * scale[c] + shift[c];
                        }
                    }
                }
                labels[n] = data.label(record);
                ctx.sampleKeys[n] = ((long) epoch << 40) ^ record;
            }
        }
        java.util.Arrays.fill(grads, 0f);
        java.util.Arrays.fill(stats, 0f);
        ctx.params = params;
        ctx.grads = grads;
        ctx.stats = stats;
        ctx.state = state;
        ctx.training = true;
        ctx.normGroupSize = group;
        ctx.dropoutSeed = Seeds.mix(seed, 0xD50L);
        double sum = ws.trainStep(x, labels, 0, n, loss, 1f / n);
        if (!Double.isFinite(sum)) throw new IllegalStateException("reference diverged at step " + globalStep);
        optimizer.step(params, grads, schedule.lr(globalStep));
        double momentum = cfg.getDouble("bn.momentum");
        for (int i = 0; i < state.length; i++) state[i] = (float) ((1 - momentum) * state[i] + momentum * stats[i] / shards);
        globalStep++;
    }

    /** Fisher-Yates from the last position down, as documented. */
    private static int[] permutation(int size, long seed) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) order[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    /** Parameters then batch-norm running statistics. */
    float[] paramsAndState() {
        float[] all = java.util.Arrays.copyOf(params, params.length + state.length);
        System.arraycopy(state, 0, all, params.length, state.length);
        return all;
    }
}
