package dev.sparkcnn.driver.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver's side of the streaming exchange, driven message by message without Spark (the RPC
 * transport and real tasks are covered by {@link StreamExchangeTest}): exact lengths, claims only
 * from tasks Spark's scheduler runs, older and duplicate attempts refused, newer ones taking over,
 * late attempts told the epoch is over, and every wait ending at its deadline.
 */
class StreamExchangeProtocolTest {

    private static final int PARAMS = 5, STATE = 2, STAGE = 7;

    /** What the exchange answered one ask: a message, or a failure with its reason. */
    static final class Answer implements StreamExchange.Reply {
        final CompletableFuture<byte[]> reply = new CompletableFuture<>();

        @Override
        public void reply(byte[] message) {
            reply.complete(message);
        }

        @Override
        public void fail(String reason) {
            reply.completeExceptionally(new IOException(reason));
        }

        byte[] get() throws Exception {
            return reply.get(5, TimeUnit.SECONDS);
        }

        String failure() {
            try {
                reply.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                return e.getCause().getMessage();
            }
            throw new AssertionError("expected a refusal");
        }
    }

    private static StreamExchange exchange(int partitions, long timeoutMs) {
        StreamExchange x = new StreamExchange(null, partitions, PARAMS, STATE, timeoutMs);
        x.open("group");
        x.jobStarted("group", List.of(STAGE));
        return x;
    }

    private static StepResult result(float g) {
        StepResult r = new StepResult(PARAMS, STATE);
        java.util.Arrays.fill(r.grad, g);
        java.util.Arrays.fill(r.stats, g / 2);
        r.loss = g;
        r.count = 10;
        r.groups = 1;
        return r;
    }

    private static Answer ask(StreamExchange x, Object message) {
        Answer a = new Answer();
        x.handle(message, a);
        return a;
    }

    /** The driver's step in a thread of its own, as the trainer runs it. */
    private static CompletableFuture<StepResult> step(StreamExchange x, int s, float[] params) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return x.step(s, params, () -> null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static int stepOf(byte[] reply) {
        assertEquals(StreamExchange.STEP, reply[0]);
        assertEquals(1 + 4 + 4 * PARAMS, reply.length);
        return ByteBuffer.wrap(reply, 1, 4).getInt();
    }

    @Test
    void twoTasksStepAndFinishAnEpoch() throws Exception {
        StreamExchange x = exchange(2, 5_000);
        x.taskStarted(100, STAGE, 0, 0, 0);
        x.taskStarted(101, STAGE, 1, 0, 0);
        Answer j0 = ask(x, StreamExchange.join(1, 0, 0, 0, 100)), j1 = ask(x, StreamExchange.join(1, 1, 0, 0, 101));
        CompletableFuture<StepResult> s0 = step(x, 0, new float[PARAMS]);
        assertEquals(0, stepOf(j0.get()));
        assertEquals(0, stepOf(j1.get()));
        Answer r1 = ask(x, StreamExchange.result(1, 1, 0, 0, 101, 0, result(2)));
        Answer r0 = ask(x, StreamExchange.result(1, 0, 0, 0, 100, 0, result(1)));
        StepResult total = s0.get(5, TimeUnit.SECONDS);
        assertArrayEquals(new float[] {3, 3, 3, 3, 3}, total.grad, "partition 0 plus partition 1");
        assertEquals(20, total.count);
        x.finish();
        assertArrayEquals(new byte[] {StreamExchange.DONE}, r0.get());
        assertArrayEquals(new byte[] {StreamExchange.DONE}, r1.get());
        // a late attempt of the finished epoch is told so at once
        assertArrayEquals(new byte[] {StreamExchange.DONE}, ask(x, StreamExchange.join(1, 0, 0, 1, 102)).get());
        assertTrue(x.refusals().isEmpty(), x.refusals().toString());
    }

    @Test
    void malformedMessagesAreRefusedBeforeAnythingIsAllocated() {
        StreamExchange x = exchange(1, 5_000);
        x.taskStarted(100, STAGE, 0, 0, 0);
        assertTrue(ask(x, "hello").failure().contains("not an exchange message (java.lang.String)"));
        assertTrue(ask(x, new byte[3]).failure().contains("shorter than the 29-byte header"));
        assertTrue(ask(x, new byte[64]).failure().contains("not an exchange message (magic 0"));
        byte[] join = StreamExchange.join(1, 0, 0, 0, 100);
        assertTrue(ask(x, java.util.Arrays.copyOf(join, join.length + 1)).failure().contains("a join of 30 bytes; expected exactly 29"));
        // a result whose arrays are one float short, and one claiming a partition that does not exist
        byte[] r = StreamExchange.result(1, 0, 0, 0, 100, 0, result(1));
        assertTrue(ask(x, java.util.Arrays.copyOf(r, r.length - 4)).failure().contains("expected exactly " + r.length
                + " (5 parameters, 2 state values)"));
        assertTrue(ask(x, StreamExchange.join(1, 9, 0, 0, 100)).failure().contains("partition 9 does not exist"));
        assertEquals(6, x.refusals().size());
    }

    @Test
    void claimsComeOnlyFromTasksSparkRunsAndNewerAttemptsReplaceOlderOnes() throws Exception {
        StreamExchange x = exchange(1, 1_000);
        // a claim no task of the stage backs is refused when Spark does not report it in time
        long t0 = System.nanoTime();
        Answer stranger = ask(x, StreamExchange.join(1, 0, 0, 0, 555));
        CompletableFuture<StepResult> idle = step(x, 0, new float[PARAMS]);
        assertTrue(stranger.failure().contains("no task of this epoch's stage runs with the claimed task id"));
        // ... and the driver's wait for a partition that never answers ends at the deadline, naming it
        Exception e = assertThrows(Exception.class, () -> idle.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("no answer from partition [0] for step 0 within 1 s (exchange.timeout)"),
                e.getCause().getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "ended at the deadline");

        x = exchange(1, 5_000);
        x.taskStarted(200, STAGE, 0, 1, 0);   // stage attempt 1, attempt 0
        x.taskStarted(199, STAGE, 0, 0, 0);   // the older stage attempt's task, still running
        x.taskStarted(201, STAGE, 0, 1, 1);   // a newer attempt
        Answer newer = ask(x, StreamExchange.join(1, 0, 1, 0, 200));
        CompletableFuture<StepResult> s0 = step(x, 0, new float[PARAMS]);
        assertEquals(0, stepOf(newer.get()));
        assertTrue(ask(x, StreamExchange.join(1, 0, 0, 0, 199)).failure().contains("already served by a newer or the same attempt"));
        assertTrue(ask(x, StreamExchange.join(1, 0, 1, 0, 200)).failure().contains("already served"), "a duplicate claim");
        // a task that lies about its partition or attempt is refused
        x.taskStarted(300, STAGE, 0, 1, 2);
        assertTrue(ask(x, StreamExchange.join(1, 0, 1, 3, 300)).failure().contains("but Spark runs it as partition 0 (stage attempt 1, attempt 2)"));
        // the newer attempt 201 takes over; the attempt it replaces is told so
        Answer taker = ask(x, StreamExchange.join(1, 0, 1, 1, 201));
        assertEquals(0, stepOf(taker.get()));
        Answer oldResult = ask(x, StreamExchange.result(1, 0, 1, 0, 200, 0, result(9)));
        assertTrue(oldResult.failure().contains("which its current attempt (task 201) serves"));
        ask(x, StreamExchange.result(1, 0, 1, 1, 201, 0, result(1)));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1}, s0.get(5, TimeUnit.SECONDS).grad, "only the current attempt's sums count");
        x.finish();
    }

    @Test
    void aReplacedAttemptWaitingForItsNextStepIsToldSo() throws Exception {
        StreamExchange x = exchange(1, 5_000);
        x.taskStarted(10, STAGE, 0, 0, 0);
        x.taskStarted(11, STAGE, 0, 0, 1);
        Answer a = ask(x, StreamExchange.join(1, 0, 0, 0, 10));
        CompletableFuture<StepResult> s0 = step(x, 0, new float[PARAMS]);
        stepOf(a.get());
        Answer waiting = ask(x, StreamExchange.result(1, 0, 0, 0, 10, 0, result(1)));
        s0.get(5, TimeUnit.SECONDS);
        ask(x, StreamExchange.join(1, 0, 0, 1, 11));
        byte[] told = waiting.get();
        assertEquals(StreamExchange.REFUSED, told[0]);
        assertTrue(new String(told, 1, told.length - 1).contains("replaced by a newer attempt of partition 0"));
        x.finish();
    }
}
