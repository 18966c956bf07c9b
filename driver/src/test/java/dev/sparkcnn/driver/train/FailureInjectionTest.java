package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task attempt that dies before its work, after its forward pass, or in the middle of its backward
 * work (with part of its gradient already summed) is retried by Spark and the run ends bitwise where a
 * clean run ends: the retry recomputes the same sums and only one attempt's sums are counted. A
 * SparkListener proves that the failure and the retry really happened, in both exchange modes.
 */
class FailureInjectionTest {

    /** Counts, per run, the task attempts that failed with our injected failure and the retries that then succeeded. */
    static final class AttemptCounter extends SparkListener {
        final List<String> injected = Collections.synchronizedList(new ArrayList<>());
        final List<String> retried = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            String task = "partition " + end.taskInfo().partitionId() + " attempt " + end.taskInfo().attemptNumber();
            if (end.reason() instanceof ExceptionFailure f && f.description().contains("injected failure")) injected.add(task);
            if (end.reason() == Success$.MODULE$ && end.taskInfo().attemptNumber() > 0) retried.add(task);
            // a barrier stage (exchange = stream) is retried as a whole: every partition in a new stage attempt
            if (end.reason() == Success$.MODULE$ && end.stageAttemptId() > 0) {
                retried.add("partition " + end.taskInfo().partitionId() + " of stage attempt " + end.stageAttemptId());
            }
        }
    }

    private static float[] clean;

    private static TrainConfig config(String exchange) {
        // 100 images, batch 40: 3 steps per epoch; 4 steps cross an epoch boundary (a new epoch job in stream mode)
        return TrainConfig.builder()
                .set("model", TrainingFixture.BN_DROPOUT).set("batch.size", 40).set("epochs", 2).set("max.steps", 4)
                .set("lr", 0.02).set("seed", 11).set("data.shards", 8).set("augment", true).set("eval.every", 0)
                .set("exchange", exchange).build();
    }

    private static float[] run(TrainConfig cfg) {
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        // closed: with max.steps inside an epoch a streaming epoch job would otherwise hold its task slots
        try (SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), TrainingFixture.train(), null, cfg, spec.text(), 2)) {
            Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
            t.run();
            assertEquals(4, t.globalStep());
            float[] p = t.params(), s = t.state();
            float[] all = java.util.Arrays.copyOf(p, p.length + s.length);
            System.arraycopy(s, 0, all, p.length, s.length);
            return all;
        }
    }

    @BeforeAll
    static void cleanRun() {
        clean = run(config("job"));
        // the streaming exchange is bitwise the job-per-step mode (DistributedEquivalenceTest), so one clean run serves both
    }

    @ParameterizedTest(name = "exchange = {0}, {1} at step {2}")
    @CsvSource({
            "job, before-work, 2",
            "job, after-forward, 1",
            "job, during-backward, 3",
            "stream, before-work, 1",
            "stream, after-forward, 2",
            "stream, during-backward, 1"})
    void aTaskThatDiesIsRetriedAndCountedOnce(String exchange, String point, int step) throws Exception {
        JavaSparkContext jsc = SparkTestContext.get();
        AttemptCounter counter = new AttemptCounter();
        jsc.sc().addSparkListener(counter);
        float[] retried;
        System.setProperty(FailureInjection.PROPERTY, step + ":" + point);
        try {
            retried = run(config(exchange));
            jsc.sc().listenerBus().waitUntilEmpty();
        } finally {
            System.clearProperty(FailureInjection.PROPERTY);
            jsc.sc().removeSparkListener(counter);
        }
        System.out.printf("exchange = %s, %s at step %d: injected failures %s, successful retries %s%n",
                exchange, point, step, counter.injected, counter.retried);
        assertEquals(List.of("partition 0 attempt 0"), counter.injected, "exactly one attempt failed, the first of partition 0");
        if (exchange.equals("job")) {
            assertEquals(List.of("partition 0 attempt 1"), counter.retried, "partition 0's second attempt succeeded");
        } else {
            assertEquals(List.of("partition 0 of stage attempt 1", "partition 1 of stage attempt 1"),
                    counter.retried.stream().sorted().toList(), "the barrier stage's second attempt succeeded in both partitions");
        }
        assertArrayEquals(clean, retried, "the retried task's gradient is counted exactly once");
    }

    @org.junit.jupiter.api.Test
    void withoutTheHookNothingFails() throws Exception {
        JavaSparkContext jsc = SparkTestContext.get();
        AttemptCounter counter = new AttemptCounter();
        jsc.sc().addSparkListener(counter);
        try {
            assertArrayEquals(clean, run(config("stream")));
            jsc.sc().listenerBus().waitUntilEmpty();
        } finally {
            jsc.sc().removeSparkListener(counter);
        }
        assertTrue(counter.injected.isEmpty() && counter.retried.isEmpty(), counter.injected + " " + counter.retried);
    }
}
