package dev.sparkcnn.driver.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data plan against direct counting: every record once per epoch, slice sizes, capacities, ownership. */
class ShardPlanTest {

    private static final int[][] CASES = {{100, 8, 40}, {50_000, 8, 128}, {160, 8, 40}, {97, 5, 7}, {13, 13, 1}, {1000, 3, 999}, {10, 1, 64}};

    @Test
    void everyRecordIsVisitedExactlyOncePerEpoch() {
        for (int[] c : CASES) {
            ShardPlan plan = new ShardPlan(c[0], c[1]);
            int steps = plan.stepsPerEpoch(c[2]);
            assertEquals((c[0] + c[2] - 1) / c[2], steps, "ceil(N/B)");
            for (long epoch : new long[] {0, 3}) {
                int[] seen = new int[c[0]];
                for (int t = 0; t < steps; t++) {
                    for (int v = 0; v < plan.shards(); v++) {
                        int size = plan.shardSize(v);
                        int[] order = ShardPlan.order(size, 42, epoch, v);
                        for (int k = ShardPlan.sliceStart(size, t, steps); k < ShardPlan.sliceStart(size, t + 1, steps); k++) {
                            seen[(int) plan.shardStart(v) + order[k]]++;
                        }
                    }
                }
                for (int r = 0; r < c[0]; r++) assertEquals(1, seen[r], Arrays.toString(c) + ": record " + r + " in epoch " + epoch);
            }
        }
    }

    @Test
    void shardsSlicesAndCapacityFollowTheirFormulas() {
        for (int[] c : CASES) {
            ShardPlan plan = new ShardPlan(c[0], c[1]);
            int steps = plan.stepsPerEpoch(c[2]);
            long total = 0;
            int largestSlice = 0;
            for (int v = 0; v < plan.shards(); v++) {
                assertEquals((long) v * c[0] / c[1], plan.shardStart(v));
                int size = plan.shardSize(v);
                assertTrue(size == c[0] / c[1] || size == c[0] / c[1] + 1, "shards differ by at most one record");
                total += size;
                for (int t = 0; t < steps; t++) {
                    int slice = (int) ((long) (t + 1) * size / steps) - (int) ((long) t * size / steps);
                    largestSlice = Math.max(largestSlice, slice);
                }
            }
            assertEquals(c[0], total);
            assertEquals(largestSlice, plan.maxSlice(c[2]), Arrays.toString(c) + ": maxSlice is the largest slice of any step");
            long batches = 0;
            double mean = (double) c[0] / steps;   // N / T <= B
            for (int t = 0; t < steps; t++) {
                long b = plan.batchSize(t, steps);
                // every shard's slice is its share Nv/T rounded down or up: the batch is within data.shards of N/T
                assertTrue(b > mean - plan.shards() && b < mean + plan.shards(), Arrays.toString(c) + ": step " + t + " has " + b);
                batches += b;
            }
            assertEquals(c[0], batches, "the steps' batches add up to the training set");
        }
    }

    @Test
    void ordersArePermutationsSeededByEpochAndShard() {
        int[] a = ShardPlan.order(500, 7, 0, 3);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 500; i++) assertEquals(i, sorted[i]);
        assertTrue(Arrays.equals(a, ShardPlan.order(500, 7, 0, 3)));
        assertNotEquals(Arrays.toString(a), Arrays.toString(ShardPlan.order(500, 7, 1, 3)), "another epoch");
        assertNotEquals(Arrays.toString(a), Arrays.toString(ShardPlan.order(500, 7, 0, 4)), "another shard");
        assertNotEquals(Arrays.toString(a), Arrays.toString(ShardPlan.order(500, 8, 0, 3)), "another seed");
    }

    @Test
    void partitionsOwnContiguousBalancedRunsOfShards() {
        for (int shards : new int[] {8, 5, 13}) {
            for (int partitions = 1; partitions <= shards; partitions++) {
                int next = 0;
                for (int p = 0; p < partitions; p++) {
                    int first = ShardPlan.firstShard(p, partitions, shards), last = ShardPlan.firstShard(p + 1, partitions, shards);
                    assertEquals(next, first, "contiguous");
                    int owned = last - first;
                    assertTrue(owned == shards / partitions || owned == shards / partitions + 1, "balanced: " + owned);
                    next = last;
                }
                assertEquals(shards, next, "every shard owned");
            }
        }
    }

    @Test
    void shardsTooLargeForOneArrayAreRefusedOnTheDriver() {
        long records = 10_000_000;
        DataException e = assertThrows(DataException.class, () -> new ShardPlan(records, 8));
        assertTrue(e.getMessage().contains("data.shards = 8") && e.getMessage().contains("at least 15"), e.getMessage());
        assertEquals(15, ShardPlan.minShards(records));
        new ShardPlan(records, 15);
        assertEquals(699_050, ShardPlan.MAX_SHARD_RECORDS, "(2^31 - 9) / 3072");
        assertThrows(DataException.class, () -> new ShardPlan(5, 8), "fewer records than shards");
    }

    @Test
    void largerImagesNeedMoreShardsAndTheErrorSaysHowMany() {
        // 64x64 RGB: 12,288 bytes an image, (2^31 - 9) / 12288 = 174,762 images a shard
        ShardPlan plan = new ShardPlan(1_000_000, 5);
        assertEquals(plan, plan.requireFits(3072), "200,000 CIFAR-size images a shard fit");
        DataException e = assertThrows(DataException.class, () -> plan.requireFits(12288));
        assertTrue(e.getMessage().contains("shards of 200000 images, more than the 174762 one shard holds")
                && e.getMessage().contains("set data.shards to at least 6"), e.getMessage());
        new ShardPlan(1_000_000, 6).requireFits(12288);
    }
}
