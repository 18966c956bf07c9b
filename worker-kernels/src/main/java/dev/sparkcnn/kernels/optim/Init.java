package dev.sparkcnn.kernels.optim;

/**
 * Seeded weight initialisation: fills a region of the flat parameter vector with values that
 * depend only on the seed, the same bits on every JVM and every run. That is what lets the
 * driver and a single-machine reference start from identical parameters, and a checkpoint
 * record "seed 42" instead of the weights.
 *
 * <ul>
 *   <li>{@link #he}: Kaiming normal, N(0, 2 / fanIn), for layers followed by ReLU;</li>
 *   <li>{@link #xavier}: Glorot uniform, U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)).</li>
 * </ul>
 *
 * For a conv layer with K filters of C x F x F: fanIn = C*F*F, fanOut = K*F*F; for a linear
 * layer (out x in): fanIn = in, fanOut = out.
 *
 * <p>Reproducibility: the generator is SplitMix64 (Steele, Lea and Flood), written out here
 * rather than borrowed from {@code java.util}, and the normal deviates come from Box-Muller with
 * {@link StrictMath}, whose results are specified to the bit. Use {@link #seedFor} to derive one
 * independent seed per layer from a run seed.
 */
public final class Init {

    /**
     * Scale of the output layer's Glorot-uniform weights: class scores then start with a standard
     * deviation ~0.1-0.2 on normalised CIFAR-10, so the loss starts at ~ln 10 instead of 3-4.
     */
    public static final float OUTPUT_GAIN = 0.1f;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private Init() {
    }

    /** Kaiming-normal: {@code a[off, off+len)} ~ N(0, std^2) with std = sqrt(2 / fanIn). {@code fanOut} is not used. */
    public static void he(float[] a, int off, int len, int fanIn, int fanOut, long seed) {
        checkFans("He", fanIn, 1);
        normal(a, off, len, Math.sqrt(2.0 / fanIn), seed);
    }

    /** Glorot-uniform: {@code a[off, off+len)} ~ U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)). */
    public static void xavier(float[] a, int off, int len, int fanIn, int fanOut, long seed) {
        checkFans("Xavier", fanIn, fanOut);
        uniform(a, off, len, Math.sqrt(6.0 / ((double) fanIn + fanOut)), seed);
    }

    /** {@code a[off, off+len)} ~ N(0, std^2), deterministic in {@code seed}. */
    public static void normal(float[] a, int off, int len, double std, long seed) {
        checkRegion(a, off, len);
        long state = seed;
        int i = 0;
        while (i < len) {
            // Box-Muller: u1 in (0, 1] so the log is finite, u2 in [0, 1); each pair gives two deviates
            state += GOLDEN_GAMMA;
            double u1 = ((mix(state) >>> 11) + 1) * TWO_POW_MINUS_53;
            state += GOLDEN_GAMMA;
            double u2 = (mix(state) >>> 11) * TWO_POW_MINUS_53;
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double theta = 2.0 * StrictMath.PI * u2;
            a[off + i++] = (float) (std * r * StrictMath.cos(theta));
            if (i < len) {
                a[off + i++] = (float) (std * r * StrictMath.sin(theta));
            }
        }
    }

    /** {@code a[off, off+len)} ~ U(-limit, limit), deterministic in {@code seed}. */
    public static void uniform(float[] a, int off, int len, double limit, long seed) {
        checkRegion(a, off, len);
        long state = seed;
        for (int i = 0; i < len; i++) {
            state += GOLDEN_GAMMA;
            double u = (mix(state) >>> 11) * TWO_POW_MINUS_53;   // [0, 1)
            a[off + i] = (float) ((2.0 * u - 1.0) * limit);
        }
    }

    /** Sets {@code a[off, off+len)} to {@code value} (biases, batch-norm scales). */
    public static void constant(float[] a, int off, int len, float value) {
        checkRegion(a, off, len);
        java.util.Arrays.fill(a, off, off + len, value);
    }

    /**
     * An independent seed for part {@code index} (a layer, a tensor) of a run seeded with
     * {@code runSeed}: neighbouring indices give unrelated streams, unlike {@code runSeed + index}.
     */
    public static long seedFor(long runSeed, long index) {
        return mix(runSeed ^ mix(index * GOLDEN_GAMMA + GOLDEN_GAMMA));
    }

    /**
     * The {@code n}-th output (0-based) of SplitMix64 started from {@code seed}; exposed so tests
     * can pin the generator against the published reference values.
     */
    static long splitMix64(long seed, long n) {
        return mix(seed + (n + 1) * GOLDEN_GAMMA);
    }

    /** SplitMix64's output function (a variant of MurmurHash3's fmix64). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void checkFans(String scheme, int fanIn, int fanOut) {
        if (fanIn <= 0 || fanOut <= 0) {
            throw new IllegalArgumentException(scheme + " initialisation needs fanIn > 0 and fanOut > 0 but got fanIn="
                    + fanIn + " fanOut=" + fanOut);
        }
    }

    private static void checkRegion(float[] a, int off, int len) {
        if (off < 0 || len < 0 || (long) off + len > a.length) {
            throw new IllegalArgumentException("initialisation region [" + off + ", " + ((long) off + len)
                    + ") does not fit in a parameter array of " + a.length + " elements");
        }
    }
}
