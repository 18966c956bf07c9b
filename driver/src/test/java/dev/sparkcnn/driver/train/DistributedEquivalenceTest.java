package dev.sparkcnn.driver.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariants of synchronous data parallelism: Spark training with 1, 2 and 4 partitions gives
 * the parameters of the single-process trainer; two runs with the same seed are bitwise equal; a
 * failed and retried task changes nothing.
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

    private static float[] run(Trainer t) {
        t.run();
        float[] p = t.params(), s = t.state();
        float[] all = java.util.Arrays.copyOf(p, p.length + s.length);
        System.arraycopy(s, 0, all, p.length, s.length);
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cifar-quick", "bn-dropout"})
    void oneTwoFourPartitionsMatchTheSingleProcessTrainer(String model) {
        String spec = model.equals("bn-dropout") ? TrainingFixture.BN_DROPOUT : model;
        TrainConfig cfg = config(spec, 12);
        float[] reference = run(TrainingFixture.local(cfg, 1, null));
        for (int partitions : new int[] {1, 2, 4}) {
            float[] spark = run(TrainingFixture.spark(cfg, partitions, null));
            double d = TrainingFixture.relativeDifference(reference, spark);
            System.out.printf("%s, %d partitions vs single process after 12 steps: max relative difference %.2e%n", model, partitions, d);
            assertTrue(d < 1e-5, model + " with " + partitions + " partitions differs from the single-process trainer by " + d);
        }
    }

    @Test
    void sameSeedAndPartitioningGiveBitwiseIdenticalParameters() {
        TrainConfig cfg = config(TrainingFixture.BN_DROPOUT, 8);
        float[] a = run(TrainingFixture.spark(cfg, 4, null));
        float[] b = run(TrainingFixture.spark(cfg, 4, null));
        assertArrayEquals(a, b);
        float[] c = run(TrainingFixture.spark(cfg.with("seed", 12), 4, null));
        assertTrue(TrainingFixture.relativeDifference(a, c) > 1e-3, "another seed trains to other parameters");
    }

    @Test
    void aTaskThatFailsOnceGivesTheSameParametersAsACleanRun() {
        TrainConfig cfg = config("cifar-quick", 6);
        float[] clean = run(TrainingFixture.spark(cfg, 2, null));
        System.setProperty(SparkGradientSource.FAIL_ONCE_PROPERTY, "3");
        float[] retried;
        try {
            retried = run(TrainingFixture.spark(cfg, 2, null));
        } finally {
            System.clearProperty(SparkGradientSource.FAIL_ONCE_PROPERTY);
        }
        assertArrayEquals(clean, retried, "a retried task must count its gradient exactly once");
    }

    @Test
    void modelAveragingWithOneLocalStepIsTheSynchronousStep() {
        TrainConfig sync = config("cifar-quick", 6).with("momentum", 0.9).with("weight.decay", 0);
        TrainConfig avg = sync.with("sync", "average").with("average.every", 1);
        float[] a = run(TrainingFixture.spark(sync, 2, null));
        float[] b = run(TrainingFixture.spark(avg, 2, null));
        double d = TrainingFixture.relativeDifference(a, b);
        assertTrue(d < 1e-3, "tau = 1 model averaging differs from synchronous SGD by " + d);
        // tau = 3 really averages models: same on Spark and in the local simulation of 2 partitions
        TrainConfig tau3 = sync.with("sync", "average").with("average.every", 3);
        float[] c = run(TrainingFixture.spark(tau3, 2, null));
        float[] ref = run(TrainingFixture.local(tau3, 2, null));
        assertTrue(TrainingFixture.relativeDifference(ref, c) < 1e-5);
        assertTrue(TrainingFixture.relativeDifference(a, c) > 1e-4, "tau = 3 is a different algorithm");
        assertEquals(a.length, c.length);
    }

    @Test
    void streamingExchangeGivesBitwiseTheParametersOfJobPerStep() {
        // 12 steps cross epoch boundaries (3 steps per epoch), so epoch jobs start and finish
        TrainConfig cfg = config(TrainingFixture.BN_DROPOUT, 12);
        float[] job = run(TrainingFixture.spark(cfg, 4, null));
        float[] stream = run(TrainingFixture.spark(cfg.with("exchange", "stream"), 4, null));
        assertArrayEquals(job, stream);
    }

    @Test
    void streamingExchangeSurvivesATaskFailure() {
        TrainConfig cfg = config("cifar-quick", 6).with("exchange", "stream");
        float[] clean = run(TrainingFixture.spark(cfg, 2, null));
        System.setProperty(SparkGradientSource.FAIL_ONCE_PROPERTY, "4");
        float[] retried;
        try {
            retried = run(TrainingFixture.spark(cfg, 2, null));
        } finally {
            System.clearProperty(SparkGradientSource.FAIL_ONCE_PROPERTY);
        }
        assertArrayEquals(clean, retried, "the retried task rejoins at the step the driver waits for");
    }
}
