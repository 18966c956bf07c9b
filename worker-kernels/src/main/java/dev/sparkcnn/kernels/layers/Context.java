package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.gemm.ImplicitGemm;

import java.util.Locale;

/**
 * What a layer reads besides its input: the flat parameter, gradient and state arrays it has
 * views into, the GEMM to use, the mode, and the per-sample keys that seed dropout masks.
 *
 * <p>One context per workspace (per thread). The arrays are swapped in by the caller: a Spark
 * task points {@link #params} at the broadcast parameters and {@link #grads} at its accumulator.
 */
public final class Context {

    /** GEMM with its own packing scratch; not shared between threads. */
    public final Gemm gemm;
    /**
     * The GEMM's im2col-free convolution kernels, or null: then every convolution runs as im2col
     * + {@link #gemm} (EJML, or {@code -Dsparkcnn.conv=im2col} to compare the two paths).
     */
    public final ImplicitGemm implicit;
    /**
     * The element passes of batch norm, ReLU and bias gradients: Vector-API loops with the implicit
     * kernels, the plain-Java reference without them.
     */
    final Passes passes;
    /** All parameters, one flat array; each layer reads from its {@link Layer#paramOffset()}. */
    public float[] params;
    /** Gradients, same layout as {@link #params}; backward adds into it ({@code +=}). */
    public float[] grads;
    /** Non-trained state (batch-norm running mean and variance), flat, per-layer offsets. */
    public float[] state;
    /**
     * Per-step statistics, same layout as {@link #state}: in training, batch norm adds each
     * group's mean and unbiased variance here; the trainer turns the sums into running statistics
     * (see {@code Network#applyStatistics}). May be null when nobody wants them.
     */
    public float[] stats;
    /** Training (batch statistics, dropout on) or evaluation (running statistics, dropout off). */
    public boolean training;
    /**
     * Batch-norm group size in training ("ghost" batch norm): samples {@code [g*G, (g+1)*G)} of
     * the batch are normalised together. Fixed independently of how a global batch is split
     * across partitions, so any split that keeps groups whole computes the same thing.
     * 0 means the whole batch is one group.
     */
    public int normGroupSize;
    /** Seed of the run's dropout masks. */
    public long dropoutSeed;
    /**
     * One key per sample of the current batch (e.g. epoch and dataset index): dropout masks are a
     * pure function of (seed, key, layer, element), so they do not depend on partitioning.
     */
    public long[] sampleKeys;

    /** System property choosing the convolution path: {@code auto} (default) or {@code im2col}. */
    public static final String CONV_PROPERTY = "sparkcnn.conv";

    /** A context with the given GEMM and the implicit kernels it brings unless {@value #CONV_PROPERTY} says im2col. */
    public Context(Gemm gemm) {
        this(gemm, implicitFor(gemm));
    }

    /** The gemm's implicit kernels, unless {@value #CONV_PROPERTY} says im2col. */
    private static ImplicitGemm implicitFor(Gemm gemm) {
        String conv = System.getProperty(CONV_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        switch (conv) {
            case "auto":
            case "":
            case "direct":
                return gemm == null ? null : gemm.implicitGemm();
            case "im2col":
                return null;
            default:
                throw new IllegalArgumentException("system property " + CONV_PROPERTY + "=" + conv
                        + " is not one of: auto, im2col");
        }
    }

    /** A context with an explicit choice of implicit kernels (null: im2col everywhere), for comparisons. */
    public Context(Gemm gemm, ImplicitGemm implicit) {
        this.gemm = gemm;
        this.implicit = implicit;
        this.passes = implicit != null ? Passes.vector() : Passes.SCALAR;
    }

    /** Number of batch-norm groups a batch of n samples is cut into. */
    public int normGroups(int n) {
        int g = normGroupSize <= 0 ? n : normGroupSize;
        return (n + g - 1) / g;
    }
}
