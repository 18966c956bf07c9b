package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A table of images (a DataFrame's rows: Parquet, or any DataFrame through the Spark ML API) cut
 * into the shards of a {@link ShardPlan} without ever gathering it on the driver:
 * <ol>
 *   <li>each input partition decodes its own rows to uint8 C x H x W images (on the executors);</li>
 *   <li>row i of the table (in the table's own order, {@code zipWithIndex}) becomes record
 *       {@code pi(i)}, where {@code pi} is a seeded permutation of {@code 0..N-1} computed
 *       row by row ({@link #permute}: a Feistel network with cycle walking), so the classes mix
 *       across shards even when the table is sorted by label, with no sort;</li>
 *   <li>one shuffle sends every record to the partition that owns its shard; each partition
 *       assembles its shards in record order and caches them.</li>
 * </ol>
 * The driver holds counts only. With the same rows in the same order and the same seed, record
 * i is the same image whatever the partitioning, so training is the same as from files.
 * With {@code heldOut > 0} the records {@code >= N - heldOut} form a second (test) set.
 */
public final class TableShards implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One decoded row: its image (C x H x W uint8) and label; null when the row is skipped. A plain
     * class, not a record: Spark's Kryo 4 cannot build a serializer for records.
     */
    public static final class Item implements Serializable {
        private static final long serialVersionUID = 1L;
        private byte[] pixels;
        private int label;

        private Item() {
        }

        public Item(byte[] pixels, int label) {
            this.pixels = pixels;
            this.label = label;
        }

        public byte[] pixels() {
            return pixels;
        }

        public int label() {
            return label;
        }
    }

    private final JavaRDD<Item> kept;                 // the decoded rows, cached once
    private final JavaPairRDD<Long, Item> indexed;   // (position in the table, item)
    private final long records;
    private final long seed;
    private final int channels, height, width, classes;

    /**
     * {@code items}: the decoded rows in table order (null items, skipped rows, are dropped here and
     * not counted). The RDD is persisted until {@link #close}.
     */
    public TableShards(JavaRDD<Item> items, long seed, int channels, int height, int width, int classes) {
        this.kept = items.filter(java.util.Objects::nonNull).persist(StorageLevel.MEMORY_AND_DISK());
        this.indexed = kept.zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()));
        this.records = indexed.count();
        this.seed = seed;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    public long records() {
        return records;
    }

    /**
     * The shards of records {@code [from, to)} (after the permutation), renumbered from 0, in
     * {@code partitions} partitions (partition p owns shards {@code [firstShard(p), firstShard(p+1))}),
     * cached and materialised.
     */
    public JavaRDD<Shard> shards(long from, long to, ShardPlan plan, int partitions, String name) {
        long n = records, s = seed;
        int c = channels, h = height, w = width, k = classes, shards = plan.shards();
        JavaRDD<Shard> rdd = indexed
                .mapToPair(t -> new Tuple2<>(permute(t._1(), n, s), t._2()))
                .filter(t -> t._1() >= from && t._1() < to)
                .mapToPair(t -> new Tuple2<>(t._1() - from, t._2()))
                .partitionBy(new ShardPartitioner(plan, partitions))
                .mapPartitionsWithIndex((p, it) -> assemble(p, it, plan, partitions, c, h, w, k).iterator(), true)
                .setName(name + " (" + plan.records() + " records)")
                .persist(StorageLevel.MEMORY_ONLY());
        rdd.count();
        if (rdd.getNumPartitions() != partitions) throw new IllegalStateException("expected " + partitions + " partitions");
        return rdd;
    }

    private static List<Shard> assemble(int p, Iterator<Tuple2<Long, Item>> it, ShardPlan plan, int partitions, int c, int h,
                                        int w, int classes) {
        int first = ShardPlan.firstShard(p, partitions, plan.shards()), last = ShardPlan.firstShard(p + 1, partitions, plan.shards());
        int size = c * h * w;
        byte[][] pixels = new byte[last - first][], labels = new byte[last - first][];
        for (int v = first; v < last; v++) {
            pixels[v - first] = new byte[Math.multiplyExact(plan.shardSize(v), size)];
            labels[v - first] = new byte[plan.shardSize(v)];
        }
        while (it.hasNext()) {
            Tuple2<Long, Item> t = it.next();
            long r = t._1();
            int v = shardOf(r, plan);
            int local = (int) (r - plan.shardStart(v));
            System.arraycopy(t._2().pixels(), 0, pixels[v - first], local * size, size);
            labels[v - first][local] = (byte) t._2().label();
        }
        List<Shard> out = new ArrayList<>();
        for (int v = first; v < last; v++) {
            out.add(new Shard(v, plan.shardStart(v), new CifarBlock(pixels[v - first], labels[v - first], c, h, w, classes)));
        }
        return out;
    }

    /** The shard holding record r: v with shardStart(v) <= r < shardStart(v + 1). */
    static int shardOf(long r, ShardPlan plan) {
        int v = (int) Math.min(plan.shards() - 1, r * plan.shards() / plan.records());
        while (v > 0 && plan.shardStart(v) > r) v--;
        while (v < plan.shards() - 1 && plan.shardStart(v + 1) <= r) v++;
        return v;
    }

    /** Sends record r to the partition that owns its shard. */
    static final class ShardPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final ShardPlan plan;
        private final int partitions;

        ShardPartitioner(ShardPlan plan, int partitions) {
            this.plan = plan;
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            int v = shardOf((Long) key, plan);
            int p = (int) ((long) v * partitions / plan.shards());
            while (p > 0 && ShardPlan.firstShard(p, partitions, plan.shards()) > v) p--;
            while (p < partitions - 1 && ShardPlan.firstShard(p + 1, partitions, plan.shards()) <= v) p++;
            return p;
        }
    }

    /**
     * A seeded permutation of {@code 0..n-1} evaluated at {@code i}: a 4-round balanced Feistel network
     * on the smallest even number of bits covering n, applied again while the result falls outside
     * {@code [0, n)} (cycle walking keeps it a bijection of {@code [0, n)}).
     */
    public static long permute(long i, long n, long seed) {
        if (n <= 1) return 0;
        int bits = 64 - Long.numberOfLeadingZeros(n - 1);
        if (bits % 2 == 1) bits++;
        if (bits < 2) bits = 2;
        int half = bits / 2;
        long mask = (1L << half) - 1;
        long x = i;
        do {
            long left = x >>> half, right = x & mask;
            for (int round = 0; round < 4; round++) {
                long f = Seeds.mix(seed, 0x7AB1E5L, round, right) & mask;
                long next = left ^ f;
                left = right;
                right = next;
            }
            x = left << half | right;
        } while (x >= n);
        return x;
    }

    public void close() {
        kept.unpersist(false);
    }
}
