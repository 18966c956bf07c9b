package dev.sparkcnn.driver.data;

import java.io.Serializable;

/**
 * How a training set of N records is cut into V fixed shards and how every epoch walks them.
 *
 * <ul>
 *   <li>Shard v holds the records {@code [v*N/V, (v+1)*N/V)}. Partitions own whole shards
 *       ({@code P <= V}; with P dividing V every partition owns V/P shards, so work is balanced).</li>
 *   <li>Epoch e visits each shard in its own order, a permutation seeded by (seed, e, v).</li>
 *   <li>An epoch has {@code T = ceil(N/B)} steps. At step t, shard v contributes the slice
 *       {@code [floor(t*Nv/T), floor((t+1)*Nv/T))} of its order: every record is used exactly once
 *       per epoch, and each step's global batch has N/T records (B when B divides N) give or take
 *       fewer than V, as every shard's share Nv/T is rounded down or up; there is no small last batch
 *       to special-case.</li>
 *   <li>Batch norm normalises each shard's slice as one group ("ghost" batch norm with groups of
 *       about B/V samples), and dropout masks are keyed by (epoch, record index).</li>
 * </ul>
 * None of this depends on the number of partitions, which is why 1, 2 or 4 partitions compute
 * the same global batch and the same gradient as one process.
 */
public final class ShardPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Records one shard can hold: its images are one byte array of 3072 bytes per image. */
    public static final int MAX_SHARD_RECORDS = (Integer.MAX_VALUE - 8) / dev.sparkcnn.kernels.data.CifarRecords.IMAGE_BYTES;

    private final long records;
    private final int shards;

    /** Checked here, on the driver, so that no task fails later on a shard too large for one array. */
    public ShardPlan(long records, int shards) {
        if (shards <= 0) throw new IllegalArgumentException("data.shards must be positive, got " + shards);
        if (records < shards) {
            throw new DataException("the training set has " + records + " records, fewer than data.shards=" + shards);
        }
        long largest = (records + shards - 1) / shards;   // shard sizes differ by at most one
        if (largest > MAX_SHARD_RECORDS) {
            throw new DataException("the data set has " + records + " records: data.shards = " + shards + " makes shards of "
                    + largest + " records, more than the " + MAX_SHARD_RECORDS + " one shard holds (its images are one byte array); "
                    + "set data.shards to at least " + minShards(records));
        }
        this.records = records;
        this.shards = shards;
    }

    /**
     * Refuses the plan, on the driver, when its largest shard of {@code imageBytes}-byte images (C x H x W
     * of the model's input) would not fit in one byte array; returns this.
     */
    public ShardPlan requireFits(int imageBytes) {
        long largest = (records + shards - 1) / shards;
        long max = (Integer.MAX_VALUE - 8) / imageBytes;
        if (largest > max) {
            throw new DataException("the data set has " + records + " images of " + imageBytes + " bytes: data.shards = " + shards
                    + " makes shards of " + largest + " images, more than the " + max + " one shard holds (its images are one byte "
                    + "array); set data.shards to at least " + (records + max - 1) / max);
        }
        return this;
    }

    /** The fewest shards that hold {@code records} records. */
    public static int minShards(long records) {
        return (int) Math.max(1, (records + MAX_SHARD_RECORDS - 1) / MAX_SHARD_RECORDS);
    }

    public long records() {
        return records;
    }

    public int shards() {
        return shards;
    }

    public long shardStart(int v) {
        return v * records / shards;
    }

    public int shardSize(int v) {
        return (int) (shardStart(v + 1) - shardStart(v));
    }

    public int stepsPerEpoch(int batch) {
        return (int) ((records + batch - 1) / batch);
    }

    /** First position (inclusive) in shard v's epoch order used at step t of T. */
    public static int sliceStart(int shardSize, int step, int steps) {
        return (int) ((long) step * shardSize / steps);
    }

    /** Records of the global batch at step t of T: the sum of the shards' slices. */
    public long batchSize(int step, int steps) {
        long n = 0;
        for (int v = 0; v < shards; v++) {
            int size = shardSize(v);
            n += sliceStart(size, step + 1, steps) - sliceStart(size, step, steps);
        }
        return n;
    }

    /** Largest slice any shard contributes to a step: the batch capacity a worker needs. */
    public int maxSlice(int batch) {
        int steps = stepsPerEpoch(batch), max = 0;
        for (int v = 0; v < shards; v++) max = Math.max(max, (shardSize(v) + steps - 1) / steps);
        return max;
    }

    /** Shard v's visiting order in epoch e: a permutation of 0..size-1 (offsets from shardStart). */
    public static int[] order(int shardSize, long seed, long epoch, int shard) {
        int[] order = new int[shardSize];
        for (int i = 0; i < shardSize; i++) order[i] = i;
        java.util.SplittableRandom r = new java.util.SplittableRandom(Seeds.mix(seed, 0x5EED0001L, epoch, shard));
        for (int i = shardSize - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Partition p of P owns shards [first, last): contiguous, balanced. */
    public static int firstShard(int partition, int partitions, int shards) {
        return (int) ((long) partition * shards / partitions);
    }
}
