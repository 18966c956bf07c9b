package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;

/** Reads one shard's records from the dataset files into a compact {@link Shard}. */
public final class ShardLoader {

    private ShardLoader() {
    }

    public static Shard load(CifarFiles files, ShardPlan plan, int shard, Configuration conf) {
        long from = plan.shardStart(shard);
        int n = plan.shardSize(shard);
        byte[] labels = new byte[n];
        byte[] pixels = new byte[Math.multiplyExact(n, CifarRecords.IMAGE_BYTES)];
        files.read(from, from + n, labels, pixels, conf);
        return new Shard(shard, from, new CifarBlock(pixels, labels));
    }
}
