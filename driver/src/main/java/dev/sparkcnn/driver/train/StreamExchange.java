package dev.sparkcnn.driver.train;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rpc.RpcAddress;
import org.apache.spark.rpc.RpcCallContext;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.RpcTimeout;
import org.apache.spark.rpc.ThreadSafeRpcEndpoint;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.PartialFunction;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The driver end of the low-latency synchronous mode ({@code exchange = stream}): instead of one
 * Spark job per step, one barrier stage runs a whole epoch, and each of its P tasks exchanges with
 * the driver every step through an endpoint on the driver's own {@link RpcEnv} (the way Spark's
 * BarrierCoordinator talks to barrier tasks). Whatever the application configures for Spark's RPC
 * (spark.authenticate, spark.network.crypto.enabled, SSL, spark.driver.bindAddress/host/port)
 * therefore applies here too; the exchange has no secret or socket of its own.
 *
 * <p>A task asks; the driver answers when it has the task's next step. The first ask joins, every
 * later one carries the previous step's gradient sums. The driver merges the P answers in partition
 * order, exactly as the job-per-step mode does, so both modes compute the same parameters.
 *
 * <pre>
 *   task -> driver   JOIN:   magic, kind 1, session, partition, stage attempt, attempt (ints), task id (long)
 *                    RESULT: magic, kind 2, the same header, step (int), loss (double), correct, count, groups,
 *                            computeNanos, fetchNanos (longs), paramCount floats, stateCount floats
 *   driver -> task   STEP (1): step (int), paramCount floats | DONE (2): the epoch is over | REFUSED (3): reason (UTF)
 * </pre>
 *
 * Every message has one exact length (checked before anything is allocated). A claim is accepted
 * only from a task that Spark's scheduler reports running in this epoch's stage for that partition;
 * an older or duplicate attempt of a partition is refused, a newer one replaces it. A task that asks
 * after its epoch ended is told so at once. Every wait, on either side, ends at {@code exchange.timeout}.
 */
final class StreamExchange implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamExchange.class);
    private static final AtomicInteger ENDPOINTS = new AtomicInteger();
    static final int MAGIC = 0x53434e58;   // "SCNX"
    static final byte JOIN = 1, RESULT = 2;
    static final byte STEP = 1, DONE = 2, REFUSED = 3;
    static final int HEADER = 4 + 1 + 4 * 4 + 8;
    /** How long a claim waits for Spark's scheduler to report its task (listener events are asynchronous). */
    static final long VERIFY_MS = 10_000;

    /** Where tasks find the exchange, and what they must send: serializable into the task closure, nothing secret. */
    record Endpoint(String host, int port, String name, int session, int paramCount, int stateCount, long timeoutMs)
            implements Serializable {
    }

    /** A task attempt as Spark's scheduler reported it. */
    private record Task(int partition, int stageAttempt, int attempt) {
    }

    /** Replies to one ask: an RPC call context in production, a test double in unit tests. */
    interface Reply {
        void reply(byte[] message);

        void fail(String reason);
    }

    private record Claim(Reply reply, byte[] message, long arrived) {
    }

    private final JavaSparkContext jsc;
    private final RpcEnv rpcEnv;
    private final RpcEndpointRef self;
    private final String name;
    private final int partitions, paramCount, stateCount;
    private final long timeoutMs;
    private final SparkListener listener;

    // everything below is guarded by this
    private int session;
    private boolean open;
    private String jobGroup;
    private final Set<Integer> stages = new HashSet<>();
    private final Map<Long, Task> running = new HashMap<>();
    private final List<Claim> pending = new ArrayList<>();
    private final long[] owner, ownerKey;
    private final Reply[] waiting;
    private final StepResult[] answers;
    private int step = -1;
    private byte[] stepMessage;
    private long lastProgress;
    private final List<String> refusals = new ArrayList<>();

    StreamExchange(JavaSparkContext jsc, int partitions, int paramCount, int stateCount, long timeoutMs) {
        this.jsc = jsc;
        this.partitions = partitions;
        this.paramCount = paramCount;
        this.stateCount = stateCount;
        this.timeoutMs = timeoutMs;
        this.owner = new long[partitions];
        this.ownerKey = new long[partitions];
        this.waiting = new Reply[partitions];
        this.answers = new StepResult[partitions];
        this.name = "spark-cnn-exchange-" + ENDPOINTS.incrementAndGet();
        if (jsc != null) {
            this.rpcEnv = jsc.sc().env().rpcEnv();
            this.self = rpcEnv.setupEndpoint(name, new Handler(rpcEnv));
            this.listener = new TaskWatcher();
            jsc.sc().addSparkListener(listener);
        } else {   // unit tests drive handle() and taskStarted() directly
            this.rpcEnv = null;
            this.self = null;
            this.listener = null;
        }
    }

    /** Opens the session of one epoch job, whose jobs run in {@code group}; returns what its tasks need. */
    synchronized Endpoint open(String group) {
        close(false);
        session++;
        open = true;
        jobGroup = group;
        stages.clear();
        Arrays.fill(owner, -1);
        Arrays.fill(ownerKey, -1);
        step = -1;
        stepMessage = null;
        lastProgress = System.nanoTime();
        RpcAddress a = rpcEnv == null ? RpcAddress.apply("test", 0) : rpcEnv.address();
        return new Endpoint(a.host(), a.port(), name, session, paramCount, stateCount, timeoutMs);
    }

    /** The endpoint's name on the driver's RpcEnv (not a secret: Spark's own authentication guards the RpcEnv). */
    String name() {
        return name;
    }

    /** Messages refused so far, each with its reason (for tests and the log). */
    synchronized List<String> refusals() {
        return new ArrayList<>(refusals);
    }

    /**
     * One synchronous step: offers (step, params) to every partition (and to any that joins while
     * waiting), waits for all P answers for this step, and returns their sum in partition order.
     * {@code jobFailure} is polled to stop waiting when Spark has given up on the epoch's job.
     */
    synchronized StepResult step(int s, float[] params, Supplier<Throwable> jobFailure) throws IOException {
        step = s;
        stepMessage = stepMessage(s, params);
        Arrays.fill(answers, null);
        lastProgress = System.nanoTime();
        for (int p = 0; p < partitions; p++) {
            if (waiting[p] != null) {
                waiting[p].reply(stepMessage);
                waiting[p] = null;
            }
        }
        while (true) {
            int missing = 0;
            for (StepResult r : answers) if (r == null) missing++;
            if (missing == 0) break;
            try {
                wait(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for step " + s);
            }
            expireClaims();
            Throwable f = jobFailure.get();
            if (f != null) throw new IOException("the training job failed at step " + s + ": " + f.getMessage(), f);
            if (System.nanoTime() - lastProgress > timeoutMs * 1_000_000) {
                List<Integer> late = new ArrayList<>();
                for (int p = 0; p < partitions; p++) if (answers[p] == null) late.add(p);
                throw new IOException("no answer from partition" + (late.size() == 1 ? " " : "s ") + late + " for step " + s
                        + " within " + timeoutMs / 1000 + " s (exchange.timeout): their tasks neither answered nor failed");
            }
        }
        StepResult total = null;
        for (StepResult r : answers) total = total == null ? r : total.merge(r);
        return total;
    }

    /** Tells every waiting task, and any that asks later, that the session's epoch is over. */
    synchronized void finish() {
        close(false);
    }

    private void close(boolean stopEndpoint) {
        open = false;
        step = -1;
        stepMessage = null;
        byte[] done = {DONE};
        for (int p = 0; p < partitions; p++) {
            if (waiting[p] != null) waiting[p].reply(done);
            waiting[p] = null;
        }
        for (Claim c : pending) c.reply().reply(done);
        pending.clear();
        if (stopEndpoint && self != null) {
            rpcEnv.stop(self);
            jsc.sc().removeSparkListener(listener);
        }
    }

    @Override
    public synchronized void close() {
        close(true);
    }

    // ---- the driver's side of the protocol (runs on Spark's RPC dispatcher, or a test's thread)

    /** Handles one message from a task (or from anyone who reaches the endpoint). */
    synchronized void handle(Object message, Reply reply) {
        if (!(message instanceof byte[] m)) {
            refuse(reply, "not an exchange message (" + (message == null ? "null" : message.getClass().getName()) + ")");
            return;
        }
        if (m.length < HEADER) {
            refuse(reply, "a message of " + m.length + " bytes, shorter than the " + HEADER + "-byte header");
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        int magic = b.getInt();
        byte kind = b.get();
        int sess = b.getInt(), partition = b.getInt();
        int expected = kind == JOIN ? HEADER : kind == RESULT ? resultLength() : -1;
        if (magic != MAGIC || expected < 0) {
            refuse(reply, "not an exchange message (magic " + Integer.toHexString(magic) + ", kind " + kind + ")");
            return;
        }
        if (m.length != expected) {
            refuse(reply, "a " + (kind == JOIN ? "join" : "result") + " of " + m.length + " bytes; expected exactly " + expected
                    + " (" + paramCount + " parameters, " + stateCount + " state values)");
            return;
        }
        if (partition < 0 || partition >= partitions) {
            refuse(reply, "partition " + partition + " does not exist (the epoch has " + partitions + ")");
            return;
        }
        if (sess != session || !open) {
            reply.reply(new byte[] {DONE});   // a late attempt: its epoch is over
            return;
        }
        if (kind == JOIN) {
            claim(new Claim(reply, m, System.nanoTime()));
        } else {
            result(reply, b, partition);
        }
    }

    private int resultLength() {
        return HEADER + 4 + 8 + 5 * 8 + 4 * paramCount + 4 * stateCount;
    }

    /** A task's join: accepted once Spark's scheduler has reported that task, for this partition, in this epoch's stage. */
    private void claim(Claim c) {
        ByteBuffer b = ByteBuffer.wrap(c.message());
        b.position(5 + 4);
        int partition = b.getInt(), stageAttempt = b.getInt(), attempt = b.getInt();
        long taskId = b.getLong();
        Task t = running.get(taskId);
        if (t == null) {
            pending.add(c);   // the listener may not have seen the task start yet; expireClaims() ends the wait
            return;
        }
        if (t.partition() != partition || t.stageAttempt() != stageAttempt || t.attempt() != attempt) {
            refuse(c.reply(), "task " + taskId + " claims partition " + partition + " (stage attempt " + stageAttempt + ", attempt "
                    + attempt + ") but Spark runs it as partition " + t.partition() + " (stage attempt " + t.stageAttempt()
                    + ", attempt " + t.attempt() + ")");
            return;
        }
        long key = ((long) stageAttempt << 32) | attempt;
        if (ownerKey[partition] >= key) {
            refuse(c.reply(), "partition " + partition + " is already served by a newer or the same attempt (stage attempt "
                    + (ownerKey[partition] >>> 32) + ", attempt " + (int) ownerKey[partition] + "); refused stage attempt "
                    + stageAttempt + ", attempt " + attempt);
            return;
        }
        if (waiting[partition] != null) waiting[partition].reply(refusal("replaced by a newer attempt of partition " + partition));
        waiting[partition] = null;
        owner[partition] = taskId;
        ownerKey[partition] = key;
        lastProgress = System.nanoTime();
        if (stepMessage != null && answers[partition] == null) {
            c.reply().reply(stepMessage);
        } else {
            waiting[partition] = c.reply();
        }
    }

    private void result(Reply reply, ByteBuffer b, int partition) {
        b.position(5 + 4 + 4 + 4 + 4);
        long taskId = b.getLong();
        if (owner[partition] != taskId) {
            refuse(reply, "task " + taskId + " sent a result for partition " + partition + ", which its current attempt (task "
                    + owner[partition] + ") serves");
            return;
        }
        int s = b.getInt();
        if (s != step) {
            refuse(reply, "partition " + partition + " answered step " + s + " while the driver waits for step " + step);
            return;
        }
        StepResult r = new StepResult();
        r.loss = b.getDouble();
        r.correct = b.getLong();
        r.count = b.getLong();
        r.groups = b.getLong();
        r.computeNanos = b.getLong();
        r.fetchNanos = b.getLong();
        r.grad = new float[paramCount];
        b.asFloatBuffer().get(r.grad);
        b.position(b.position() + 4 * paramCount);
        r.stats = new float[stateCount];
        b.asFloatBuffer().get(r.stats);
        if (answers[partition] == null) answers[partition] = r;
        lastProgress = System.nanoTime();
        waiting[partition] = reply;   // answered with the next step, or DONE
        notifyAll();
    }

    /** Spark's scheduler started {@code taskId}: a claim waiting for it can now be decided. */
    synchronized void taskStarted(long taskId, int stage, int partition, int stageAttempt, int attempt) {
        if (!stages.contains(stage)) return;
        running.put(taskId, new Task(partition, stageAttempt, attempt));
        List<Claim> again = new ArrayList<>(pending);
        pending.clear();
        for (Claim c : again) claim(c);
    }

    synchronized void taskEnded(long taskId) {
        running.remove(taskId);
    }

    synchronized void jobStarted(String group, Iterable<Integer> stageIds) {
        if (group != null && group.equals(jobGroup)) for (int s : stageIds) stages.add(s);
    }

    private void expireClaims() {
        long now = System.nanoTime();
        for (Iterator<Claim> it = pending.iterator(); it.hasNext(); ) {
            Claim c = it.next();
            if (now - c.arrived() > Math.min(VERIFY_MS, timeoutMs) * 1_000_000) {
                it.remove();
                refuse(c.reply(), "no task of this epoch's stage runs with the claimed task id (Spark's scheduler did not report "
                        + "it within " + Math.min(VERIFY_MS, timeoutMs) / 1000 + " s)");
            }
        }
    }

    private void refuse(Reply reply, String reason) {
        if (refusals.size() < 1000) refusals.add(reason);   // bounded: a flood of hostile messages costs no memory
        LOG.warn("exchange {} refused a message: {}", name, reason);
        reply.fail(reason);
    }

    private static byte[] refusal(String reason) {
        byte[] text = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + text.length).put(REFUSED).put(text).array();
    }

    private static byte[] stepMessage(int step, float[] params) {
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 * params.length);
        b.put(STEP).putInt(step);
        b.asFloatBuffer().put(params);
        return b.array();
    }

    /** The endpoint Spark's RPC dispatcher calls (one message at a time: thread-safe endpoint). */
    private final class Handler implements ThreadSafeRpcEndpoint {
        private final RpcEnv env;

        Handler(RpcEnv env) {
            this.env = env;
        }

        @Override
        public RpcEnv rpcEnv() {
            return env;
        }

        @Override
        public PartialFunction<Object, BoxedUnit> receiveAndReply(RpcCallContext ctx) {
            return anyMessage(x -> handle(x, new Reply() {
                @Override
                public void reply(byte[] message) {
                    ctx.reply(message);
                }

                @Override
                public void fail(String reason) {
                    ctx.sendFailure(new IllegalArgumentException("spark-cnn exchange: " + reason));
                }
            }));
        }

        @Override
        public PartialFunction<Object, BoxedUnit> receive() {
            return anyMessage(x -> {
                synchronized (StreamExchange.this) {
                    if (refusals.size() < 1000) refusals.add("a one-way message (no reply expected)");
                }
                LOG.warn("exchange {} ignored a one-way message", name);
            });
        }

        /** A Scala partial function defined for every message (the handler itself refuses what it does not know). */
        private static PartialFunction<Object, BoxedUnit> anyMessage(java.util.function.Consumer<Object> handler) {
            return new AbstractPartialFunction<>() {
                @Override
                public boolean isDefinedAt(Object x) {
                    return true;
                }

                @Override
                public BoxedUnit apply(Object x) {
                    handler.accept(x);
                    return BoxedUnit.UNIT;
                }
            };
        }
    }

    /** Tells the exchange which tasks Spark's scheduler runs in each epoch's stage. */
    private final class TaskWatcher extends SparkListener {
        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String group = e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
            List<Integer> ids = new ArrayList<>();
            scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds()).forEach(o -> ids.add((Integer) o));
            jobStarted(group, ids);
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart e) {
            taskStarted(e.taskInfo().taskId(), e.stageId(), e.taskInfo().partitionId(), e.stageAttemptId(), e.taskInfo().attemptNumber());
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            taskEnded(e.taskInfo().taskId());
        }
    }

    // ---- the task's side

    /** What a task computes for one step. */
    interface StepWork {
        StepResult compute(int step, float[] params) throws IOException;
    }

    /**
     * The task end: join, then loop on (step, params) -> result until the driver says the epoch is
     * over. Each ask waits at most {@code exchange.timeout}, and the task stops as soon as Spark kills it.
     */
    static void serve(Endpoint ep, StepWork work) throws IOException {
        TaskContext tc = TaskContext.get();
        RpcEnv env = SparkEnv.get().rpcEnv();
        RpcEndpointRef ref = env.setupEndpointRef(RpcAddress.apply(ep.host(), ep.port()), ep.name());
        RpcTimeout timeout = new RpcTimeout(scala.concurrent.duration.FiniteDuration.apply(ep.timeoutMs(), TimeUnit.MILLISECONDS),
                "exchange.timeout");
        int partition = tc.partitionId(), stageAttempt = tc.stageAttemptNumber(), attempt = tc.attemptNumber();
        long taskId = tc.taskAttemptId();
        byte[] message = join(ep.session(), partition, stageAttempt, attempt, taskId);
        float[] params = new float[ep.paramCount()];   // one buffer for every step's parameters (compute does not keep it)
        while (true) {
            byte[] reply = ask(ref, message, timeout, tc, ep);
            if (reply.length == 1 && reply[0] == DONE) return;
            if (reply.length >= 1 && reply[0] == REFUSED) {
                throw new IOException("the driver's exchange refused partition " + tc.partitionId() + ": "
                        + new String(reply, 1, reply.length - 1, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (reply.length != 1 + 4 + 4 * ep.paramCount() || reply[0] != STEP) {
                throw new IOException("the driver's exchange sent " + reply.length + " bytes; expected a step of exactly "
                        + (1 + 4 + 4 * ep.paramCount()));
            }
            long f0 = System.nanoTime();
            ByteBuffer in = ByteBuffer.wrap(reply);
            in.get();
            int step = in.getInt();
            in.asFloatBuffer().get(params);
            long fetch = System.nanoTime() - f0;
            StepResult r = work.compute(step, params);
            r.fetchNanos = fetch;
            if (r.grad.length != ep.paramCount() || r.stats.length != ep.stateCount()) {
                throw new IllegalStateException("a step computed " + r.grad.length + " gradients and " + r.stats.length
                        + " statistics; the exchange expects " + ep.paramCount() + " and " + ep.stateCount());
            }
            message = result(ep.session(), partition, stageAttempt, attempt, taskId, step, r);
        }
    }

    /** A task's join message. */
    static byte[] join(int session, int partition, int stageAttempt, int attempt, long taskId) {
        return header(JOIN, HEADER, session, partition, stageAttempt, attempt, taskId).array();
    }

    /** A task's result message: exactly {@code paramCount} gradient sums and {@code stateCount} statistics. */
    static byte[] result(int session, int partition, int stageAttempt, int attempt, long taskId, int step, StepResult r) {
        int length = HEADER + 4 + 8 + 5 * 8 + 4 * r.grad.length + 4 * r.stats.length;
        ByteBuffer out = header(RESULT, length, session, partition, stageAttempt, attempt, taskId);
        out.putInt(step).putDouble(r.loss).putLong(r.correct).putLong(r.count).putLong(r.groups)
                .putLong(r.computeNanos).putLong(r.fetchNanos);
        out.asFloatBuffer().put(r.grad);
        out.position(out.position() + 4 * r.grad.length);
        out.asFloatBuffer().put(r.stats);
        return out.array();
    }

    private static ByteBuffer header(byte kind, int length, int session, int partition, int stageAttempt, int attempt, long taskId) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(MAGIC).put(kind).putInt(session).putInt(partition).putInt(stageAttempt).putInt(attempt).putLong(taskId);
        return b;
    }

    private static byte[] ask(RpcEndpointRef ref, byte[] message, RpcTimeout timeout, TaskContext tc, Endpoint ep) throws IOException {
        CompletableFuture<Object> f = scala.jdk.javaapi.FutureConverters.asJava(
                ref.<Object>ask(message, timeout, scala.reflect.ClassTag$.MODULE$.Any())).toCompletableFuture();
        while (true) {
            try {
                Object o = f.get(100, TimeUnit.MILLISECONDS);
                if (o instanceof byte[] b) return b;
                throw new IOException("the driver's exchange answered with " + (o == null ? "null" : o.getClass().getName()));
            } catch (TimeoutException e) {
                tc.killTaskIfInterrupted();   // killed by Spark (e.g. another task of the barrier stage failed): stop now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the driver's exchange", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw new IOException("the driver's exchange at " + ep.host() + ":" + ep.port() + " did not answer: " + c, c);
            }
        }
    }
}
