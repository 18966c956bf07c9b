package dev.sparkcnn.driver.data;

/**
 * Counter-based seeds: every random choice of a run (data order, augmentation, dropout) is a pure
 * function of the run seed and the coordinates of the choice (epoch, shard, record), never of a
 * generator's history, so any partitioning, retry or resume makes the same choices.
 */
public final class Seeds {

    private Seeds() {
    }

    public static long mix(long... parts) {
        long h = 0x243F6A8885A308D3L;
        for (long p : parts) h = splitmix(h ^ splitmix(p + 0x9E3779B97F4A7C15L));
        return h;
    }

    static long splitmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The dropout key of a record in an epoch. */
    public static long sampleKey(long epoch, long record) {
        return (epoch << 40) ^ record;
    }
}
