package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;

import java.util.Arrays;

/** Reads (and decodes) one shard's records from a data source into a compact {@link Shard}, in the task that caches it. */
public final class ShardLoader {

    private ShardLoader() {
    }

    /** A CIFAR-10 shard as stored (3x32x32, 10 classes). */
    public static Shard load(CifarFiles files, ShardPlan plan, int shard, Configuration conf) {
        long from = plan.shardStart(shard);
        int n = plan.shardSize(shard);
        byte[] labels = new byte[n];
        byte[] pixels = new byte[Math.multiplyExact(n, CifarRecords.IMAGE_BYTES)];
        files.read(from, from + n, labels, pixels, conf);
        return new Shard(shard, from, new CifarBlock(pixels, labels));
    }

    /** A shard of any source decoded to the decoder's C x H x W; unreadable records the source skips are counted in the shard. */
    public static Shard load(ImageSource source, ShardPlan plan, int shard, ImageDecoder decoder, int channels, int height,
                             int width, Configuration conf) {
        long from = plan.shardStart(shard);
        int n = plan.shardSize(shard);
        int size = channels * height * width;
        byte[] labels = new byte[n];
        byte[] pixels = new byte[Math.multiplyExact(n, size)];
        long[] skipped = new long[1];
        int read = source.read(from, from + n, decoder, labels, pixels, skipped, conf);
        if (read < n) {
            labels = Arrays.copyOf(labels, read);
            pixels = Arrays.copyOf(pixels, read * size);
        }
        int classes = source.classNames().size();
        return new Shard(shard, from, new CifarBlock(pixels, labels, channels, height, width, classes), skipped[0]);
    }
}
