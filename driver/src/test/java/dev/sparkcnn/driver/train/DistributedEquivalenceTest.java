package dev.sparkcnn.driver.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bitwise invariants of synchronous data parallelism: two runs with the same seed and partitioning
 * are bitwise equal, the streaming exchange computes bitwise what a job per step computes, and model
 * averaging with one local step is the synchronous step. (Partition counts against an independent
 * reference: {@link IndependentReferenceTest}; retried tasks: {@link FailureInjectionTest}.)
 *
 * <p>Semantics that make this exact for batch norm and dropout: each of the 8 fixed data shards
 * contributes a slice to every global batch and that slice is one batch-norm group; dropout masks
 * are keyed by (epoch, record). Neither depends on which partition computes what.
 */
class DistributedEquivalenceTest {

    private static TrainConfig config(String model, int steps) {
        // 100 images, batch 40: 3 steps per epoch (40, 40, 20 records spread evenly: 34, 33, 33)
        return TrainConfig.builder()
                .set("model", model).set("batch.size", 40).set("epochs", 10).set("max.steps", steps)
                .set("lr", 0.02).set("seed", 11).set("data.shards", 8).set("augment", true)
                .set("eval.every", 0).build();
    }

    @Test
    void sameSeedAndPartitioningGiveBitwiseIdenticalParameters() {
        TrainConfig cfg = config(TrainingFixture.BN_DROPOUT, 8);
        float[] a = TrainingFixture.trained(TrainingFixture.spark(cfg, 4, null));
        float[] b = TrainingFixture.trained(TrainingFixture.spark(cfg, 4, null));
        assertArrayEquals(a, b);
        float[] c = TrainingFixture.trained(TrainingFixture.spark(cfg.with("seed", 12), 4, null));
        assertTrue(TrainingFixture.relativeDifference(a, c) > 1e-3, "another seed trains to other parameters");
    }

    @Test
    void modelAveragingWithOneLocalStepIsTheSynchronousStep() {
        TrainConfig sync = config("cifar-quick", 6).with("momentum", 0.9).with("weight.decay", 0);
        TrainConfig avg = sync.with("sync", "average").with("average.every", 1);
        float[] a = TrainingFixture.trained(TrainingFixture.spark(sync, 2, null));
        float[] b = TrainingFixture.trained(TrainingFixture.spark(avg, 2, null));
        double d = TrainingFixture.relativeDifference(a, b);
        assertTrue(d < 1e-3, "tau = 1 model averaging differs from synchronous SGD by " + d);
        // tau = 3 really averages models: same on Spark and in the local simulation of 2 partitions
        TrainConfig tau3 = sync.with("sync", "average").with("average.every", 3);
        float[] c = TrainingFixture.trained(TrainingFixture.spark(tau3, 2, null));
        float[] ref = TrainingFixture.trained(TrainingFixture.local(tau3, 2, null));
        assertTrue(TrainingFixture.relativeDifference(ref, c) < 1e-5);
        assertTrue(TrainingFixture.relativeDifference(a, c) > 1e-4, "tau = 3 is a different algorithm");
        assertEquals(a.length, c.length);
    }

    @Test
    void streamingExchangeGivesBitwiseTheParametersOfJobPerStep() {
        // 12 steps cross epoch boundaries (3 steps per epoch), so epoch jobs start and finish
        TrainConfig cfg = config(TrainingFixture.BN_DROPOUT, 12);
        float[] job = TrainingFixture.trained(TrainingFixture.spark(cfg.with("exchange", "job"), 4, null));
        float[] stream = TrainingFixture.trained(TrainingFixture.spark(cfg.with("exchange", "stream"), 4, null));
        assertArrayEquals(job, stream);
    }
}
