package dev.sparkcnn.driver.train;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How many executors the slot check waits for, and how long, per master (no Spark context needed). */
class GangSchedulingExpectationTest {

    private static final long TIMEOUT = 120_000;

    @Test
    void aKnownNumberOfExecutorsIsAwaitedUpToTheExchangeTimeout() {
        assertEquals(new GangScheduling.Expectation(3, TIMEOUT),
                GangScheduling.expectation("spark://127.0.0.1:7077", new SparkConf(false).set("spark.executor.instances", "3"), TIMEOUT));
        assertEquals(new GangScheduling.Expectation(2, TIMEOUT),
                GangScheduling.expectation("local-cluster[2, 1, 1024]", new SparkConf(false), TIMEOUT));
        // YARN brings 2 executors unless told otherwise (Spark's default for spark.executor.instances there)
        assertEquals(new GangScheduling.Expectation(2, TIMEOUT), GangScheduling.expectation("yarn", new SparkConf(false), TIMEOUT));
        assertEquals(new GangScheduling.Expectation(5, TIMEOUT),
                GangScheduling.expectation("yarn", new SparkConf(false).set("spark.executor.instances", "5"), TIMEOUT));
    }

    @Test
    void anUnknownNumberIsAwaitedOnlyAsLongAsSparksOwnRegistrationWait() {
        // a standalone master without spark.executor.instances: 30 s (Spark's default), not the 120 s exchange.timeout
        assertEquals(new GangScheduling.Expectation(-1, 30_000),
                GangScheduling.expectation("spark://127.0.0.1:7077", new SparkConf(false), TIMEOUT));
        assertEquals(new GangScheduling.Expectation(-1, 5_000), GangScheduling.expectation("spark://127.0.0.1:7077",
                new SparkConf(false).set("spark.scheduler.maxRegisteredResourcesWaitingTime", "5s"), TIMEOUT));
        // and never longer than exchange.timeout
        assertEquals(new GangScheduling.Expectation(-1, 10_000),
                GangScheduling.expectation("spark://127.0.0.1:7077", new SparkConf(false), 10_000));
    }
}
