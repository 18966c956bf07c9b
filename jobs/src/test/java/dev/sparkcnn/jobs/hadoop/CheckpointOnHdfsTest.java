package dev.sparkcnn.jobs.hadoop;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sparkcnn.jobs.hadoop.HadoopTestCluster.hdfs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint files on a real HDFS: replaced in one step, and never damaged by a write that fails. */
@ExtendWith(HadoopTestCluster.class)
class CheckpointOnHdfsTest {

    /** A client with 1 MB blocks (HDFS's smallest) and its own FileSystem instance, so quotas bite per block. */
    private static Configuration smallBlocks() {
        Configuration c = HadoopTestCluster.conf();
        c.setLong("dfs.blocksize", 1 << 20);
        c.setBoolean("fs.hdfs.impl.disable.cache", true);
        return c;
    }

    private static ModelFile checkpoint(long step, int floats) {
        float[] p = new float[floats];
        Arrays.fill(p, step);
        return new ModelFile("checkpoint").longs("step", step).floats("params", p);
    }

    @Test
    void replacingAFileIsOneRenameReadersNeverFindItMissing() throws Exception {
        Configuration conf = smallBlocks();
        Path target = new Path(hdfs("/ckpt-replace/model.scnn"));
        FileSystem fs = target.getFileSystem(conf);
        CheckpointStore.writeAtomically(target, checkpoint(0, 1000).toBytes(), conf);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger missing = new AtomicInteger(), looks = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (FileSystem rfs = target.getFileSystem(smallBlocks())) {
                while (!done.get()) {
                    if (!rfs.exists(target)) missing.incrementAndGet();
                    looks.incrementAndGet();
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        reader.start();
        byte[] last = null;
        for (int i = 1; i <= 60; i++) {
            last = checkpoint(i, 1000).toBytes();
            CheckpointStore.writeAtomically(target, last, conf);
        }
        done.set(true);
        reader.join();
        assertEquals(0, missing.get(), "a reader found the file missing " + missing + " times in " + looks + " looks during 60 replacements");
        assertArrayEquals(last, CheckpointStore.readAll(target, conf));
        FileStatus[] left = fs.listStatus(target.getParent());
        assertEquals(1, left.length, "only the file itself is left: " + Arrays.toString(left));
    }

    @Test
    void aWriteThatFailsMidwayLeavesThePreviousCheckpointIntact() throws Exception {
        Configuration conf = smallBlocks();
        Path dir = new Path(hdfs("/ckpt-quota"));
        DistributedFileSystem fs = (DistributedFileSystem) dir.getFileSystem(conf);
        fs.mkdirs(dir);
        CheckpointStore store = new CheckpointStore(dir.toString(), conf, 2);
        ModelFile good = checkpoint(1, 700_000);   // 2.8 MB: three blocks
        store.save(1, good);
        byte[] goodBytes = CheckpointStore.readAll(store.list().get(0), conf);
        // room for one more 1 MB block, not three: the next 2.8 MB write fails at its second block, midway
        long used = fs.getContentSummary(dir).getSpaceConsumed();
        fs.setQuota(dir, Long.MAX_VALUE, used + (1 << 20) + (1 << 19));
        try {
            CheckpointException e = assertThrows(CheckpointException.class, () -> store.save(2, checkpoint(2, 700_000)));
            assertTrue(e.getMessage().contains("ckpt-00000002.scnn") && e.getMessage().toLowerCase().contains("quota"), e.getMessage());
            // the same name rewritten (a re-saved step) fails the same way, and the old file stays
            assertThrows(CheckpointException.class,
                    () -> CheckpointStore.writeAtomically(store.list().get(0), checkpoint(9, 700_000).toBytes(), conf));
        } finally {
            fs.setQuota(dir, Long.MAX_VALUE, -1);   // -1: no space quota
        }
        List<Path> left = store.list();
        assertEquals(1, left.size(), "only the good checkpoint is listed: " + left);
        assertTrue(left.get(0).getName().equals("ckpt-00000001.scnn"), left.toString());
        assertArrayEquals(goodBytes, CheckpointStore.readAll(left.get(0), conf), "the previous checkpoint is byte for byte intact");
        assertEquals(1L, store.latest().longs("step")[0]);
    }
}
