package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;

import java.io.Serializable;

/** One cached shard of the training (or test) set: its index, its first record index, its images. */
public final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int index;
    public final long firstRecord;
    public final CifarBlock block;
    /** Records of the shard's range that were unreadable and skipped ({@code data.skip.unreadable}). */
    public final long skipped;
    // the visiting order of the current epoch, computed once per epoch on the executor
    private transient int[] order;
    private transient long orderKey = Long.MIN_VALUE;

    public Shard(int index, long firstRecord, CifarBlock block) {
        this(index, firstRecord, block, 0);
    }

    public Shard(int index, long firstRecord, CifarBlock block, long skipped) {
        this.index = index;
        this.firstRecord = firstRecord;
        this.block = block;
        this.skipped = skipped;
    }

    /** The shard's visiting order in the given epoch (cached; the same instance is reused within a JVM). */
    public synchronized int[] order(long seed, long epoch) {
        long key = Seeds.mix(seed, epoch);
        if (order == null || orderKey != key) {
            order = ShardPlan.order(block.size(), seed, epoch, index);
            orderKey = key;
        }
        return order;
    }
}
