package dev.sparkcnn.driver.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The driver end of the low-latency synchronous mode ({@code exchange = stream}): instead of one
 * Spark job per step, one long-lived job runs a whole epoch, and each of its P tasks exchanges
 * with the driver over a TCP connection every step: the driver sends the step number and the
 * parameters, the task answers with its gradient sums. The driver merges the P answers in partition
 * order, exactly as the job-per-step mode does, so both modes compute the same parameters.
 *
 * <p>Failures: a task attempt that dies loses its connection; Spark starts a new attempt, which
 * connects again and is sent the step the driver is waiting for (results are keyed by step and
 * partition, so a late or repeated answer is never counted twice). If Spark gives up on the job,
 * the exchange reports the job's failure. Connections must present the run's random token.
 *
 * <pre>
 *   task -> driver   HELLO: token (long), partition (int), attempt (int)
 *   driver -> task   STEP: step-in-epoch (int, -1 = done), params (int n, n floats)
 *   task -> driver   RESULT: step (int), loss (double), correct, count, groups, computeNanos, fetchNanos (longs),
 *                    grad (int n, n floats), stats (int m, m floats)
 * </pre>
 */
final class StreamExchange implements AutoCloseable {

    /** Where tasks connect, and the token they must show: serializable into the task closure. */
    record Endpoint(String host, int port, long token) implements java.io.Serializable {
    }

    private final ServerSocket server;
    private final Endpoint endpoint;
    private final int partitions;
    private final Connection[] connections;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private static final class Connection {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final int partition;

        Connection(Socket socket, int partition) throws IOException {
            this.socket = socket;
            this.partition = partition;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        }
    }

    private record Arrived(Connection c) {
    }

    private record Answer(int partition, int step, StepResult result) {
    }

    private record Lost(Connection c, Throwable cause) {
    }

    StreamExchange(String host, int partitions) throws IOException {
        this.partitions = partitions;
        this.connections = new Connection[partitions];
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        this.endpoint = new Endpoint(host, server.getLocalPort(), new SecureRandom().nextLong());
        this.acceptor = new Thread(this::acceptLoop, "spark-cnn-exchange-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                DataInputStream hello = new DataInputStream(s.getInputStream());
                long token = hello.readLong();
                int partition = hello.readInt();
                hello.readInt();   // attempt, for logs
                if (token != endpoint.token() || partition < 0 || partition >= partitions) {
                    s.close();
                    continue;
                }
                s.setSoTimeout(0);
                events.add(new Arrived(new Connection(s, partition)));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void readLoop(Connection c) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    int step = c.in.readInt();
                    StepResult r = new StepResult();
                    r.loss = c.in.readDouble();
                    r.correct = c.in.readLong();
                    r.count = c.in.readLong();
                    r.groups = c.in.readLong();
                    r.computeNanos = c.in.readLong();
                    r.fetchNanos = c.in.readLong();
                    r.grad = readFloats(c.in);
                    r.stats = readFloats(c.in);
                    events.add(new Answer(c.partition, step, r));
                }
            } catch (IOException e) {
                events.add(new Lost(c, e));
            }
        }, "spark-cnn-exchange-read-" + c.partition);
        t.setDaemon(true);
        t.start();
    }

    /**
     * One synchronous step: sends (step, params) to every partition (and to any that connects while
     * waiting), waits for all P answers for this step, and returns their sum in partition order.
     * {@code jobFailure} is polled to stop waiting when Spark has given up on the job.
     */
    StepResult step(int step, float[] params, java.util.function.Supplier<Throwable> jobFailure) throws IOException {
        StepResult[] answers = new StepResult[partitions];
        int missing = partitions;
        for (Connection c : connections) if (c != null) send(c, step, params);
        while (missing > 0) {
            Object e;
            try {
                e = events.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for step " + step);
            }
            if (e == null) {
                Throwable f = jobFailure.get();
                if (f != null) throw new IOException("the training job failed at step " + step + ": " + f.getMessage(), f);
                continue;
            }
            if (e instanceof Arrived a) {
                Connection old = connections[a.c().partition];
                if (old != null) old.socket.close();
                connections[a.c().partition] = a.c();
                readLoop(a.c());
                if (answers[a.c().partition] == null) send(a.c(), step, params);
            } else if (e instanceof Answer a) {
                if (a.step() == step && answers[a.partition()] == null) {
                    answers[a.partition()] = a.result();
                    missing--;
                }
            } else if (e instanceof Lost l && connections[l.c().partition] == l.c()) {
                // that attempt died; Spark's next attempt will connect and be sent this step
                connections[l.c().partition] = null;
            }
        }
        StepResult total = null;
        for (StepResult r : answers) total = total == null ? r : total.merge(r);
        return total;
    }

    private static void send(Connection c, int step, float[] params) {
        try {
            c.out.writeInt(step);
            if (params != null) writeFloats(c.out, params);
            c.out.flush();
        } catch (IOException e) {
            // the task died; its next attempt reconnects and is sent the step then
        }
    }

    /** Tells every connected task the epoch is over. */
    void finish() {
        for (Connection c : connections) if (c != null) send(c, -1, null);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Connection c : connections) {
            if (c != null) {
                try {
                    c.socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        ByteBuffer b = ByteBuffer.allocate(a.length * 4);
        b.asFloatBuffer().put(a);
        out.write(b.array());
    }

    static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] bytes = new byte[n * 4];
        in.readFully(bytes);
        float[] a = new float[n];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(a);
        return a;
    }

    /** The task end: connect, then loop on (step, params) -> result until the driver says done. */
    static void serve(Endpoint ep, int partition, int attempt, StepWork work) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ep.host(), ep.port()), 30_000);
            s.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            out.writeLong(ep.token());
            out.writeInt(partition);
            out.writeInt(attempt);
            out.flush();
            while (true) {
                int step = in.readInt();
                if (step < 0) return;
                long f0 = System.nanoTime();
                float[] params = readFloats(in);
                long fetch = System.nanoTime() - f0;
                StepResult r = work.compute(step, params);
                r.fetchNanos = fetch;
                out.writeInt(step);
                out.writeDouble(r.loss);
                out.writeLong(r.correct);
                out.writeLong(r.count);
                out.writeLong(r.groups);
                out.writeLong(r.computeNanos);
                out.writeLong(r.fetchNanos);
                writeFloats(out, r.grad);
                writeFloats(out, r.stats);
                out.flush();
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer from the driver at " + ep.host() + ":" + ep.port(), e);
        }
    }

    /** What a task computes for one step. */
    interface StepWork {
        StepResult compute(int step, float[] params) throws IOException;
    }
}
