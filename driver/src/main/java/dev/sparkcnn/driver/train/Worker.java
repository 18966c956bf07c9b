package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.ImageFiller;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.loss.Loss;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Workspace;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One thread's kernel state: a network, its workspace for a batch capacity, the input and label
 * buffers and the loss. Executors keep workers across steps in a per-JVM pool ({@link #borrow} /
 * {@link #release}), one in use per running task, so a step allocates no buffers.
 */
public final class Worker {

    private static final Map<String, ConcurrentLinkedQueue<Worker>> POOL = new ConcurrentHashMap<>();

    final String key;
    final Network net;
    final Workspace ws;
    final float[] x;
    final int[] labels;
    final Loss loss;
    final float[] dLogits;
    private ImageFiller filler;
    private Normalization fillerNorm;

    private Worker(String key, String specText, int capacity) {
        this.key = key;
        ModelSpec spec = ModelSpec.parse(specText, "model");
        this.net = spec.build();
        try {
            this.ws = net.newWorkspace(capacity, Gemms.create());
            this.x = new float[Math.multiplyExact(capacity, net.inputShape().size())];
            this.dLogits = new float[Math.multiplyExact(capacity, net.outputShape().size())];
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the model's buffers for " + capacity + " images (the largest slice of a step) do not "
                    + "fit in Java arrays: make the model smaller, or lower batch.size or raise data.shards", e);
        }
        this.labels = new int[capacity];
        this.loss = Loss.named(spec.loss());
        ws.context().sampleKeys = new long[capacity];
    }

    /** A worker for (spec, capacity) from this JVM's pool, or a new one. */
    public static Worker borrow(String specText, int capacity) {
        String key = capacity + "\n" + specText;
        Worker w = POOL.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return w != null ? w : new Worker(key, specText, capacity);
    }

    public static void release(Worker w) {
        POOL.get(w.key).add(w);
    }

    ImageFiller filler(Normalization norm) {
        if (filler == null || fillerNorm != norm) {
            filler = new ImageFiller(norm);
            fillerNorm = norm;
        }
        return filler;
    }

    public Network network() {
        return net;
    }

    public Workspace workspace() {
        return ws;
    }
}
