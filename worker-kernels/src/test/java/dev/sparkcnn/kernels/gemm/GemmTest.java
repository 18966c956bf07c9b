package dev.sparkcnn.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both GEMM implementations against {@link NaiveGemm} (double precision): every transA/transB
 * form, overwrite and accumulate, sizes around the vector width and the micro-tile and block
 * edges, random offsets and leading dimensions, and C outside the m x n window left bit-for-bit
 * untouched. Plus argument errors, implementation selection, zero allocation in steady state,
 * and (in a child JVM) the vector kernel at a narrower species than this machine prefers.
 */
class GemmTest {

    private static final int[] SIZES = {0, 1, 2, 3, 5, 16, 17, 31, 33, 64, 65, 100};

    static Stream<Arguments> implementations() {
        return Stream.of(
                Arguments.of("ejml", (Supplier<Gemm>) EjmlGemm::new),
                Arguments.of("vector", (Supplier<Gemm>) Gemms::createVector));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void matchesNaiveOnRandomShapes(String name, Supplier<Gemm> factory) {
        checkRandomShapes(factory.get(), 1234);
    }

    /** Shapes that cross the blocking boundaries of VectorGemm: k > KC, m > MC, n > NC. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void matchesNaiveAcrossBlockBoundaries(String name, Supplier<Gemm> factory) {
        Gemm g = factory.get();
        Random rnd = new Random(99);
        int[][] shapes = {{130, 40, 520}, {9, 2100, 3}, {257, 33, 17}, {8, 4100, 2}, {3, 5, 1100}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                check(g, rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], t == 3);
            }
        }
    }

    /** The cifar-quick shapes the benchmark measures, in the form each pass uses them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void matchesNaiveOnNetworkShapes(String name, Supplier<Gemm> factory) {
        Gemm g = factory.get();
        Random rnd = new Random(7);
        for (GemmBenchmark.Shape s : GemmBenchmark.SHAPES) {
            check(g, rnd, s.transA(), s.transB(), s.m(), s.n(), s.k(), s.label().contains("dW"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void rejectsBadArgumentsNamingTheOperand(String name, Supplier<Gemm> factory) {
        Gemm g = factory.get();
        float[] a = new float[6], b = new float[12], c = new float[8];  // A 2x3, B 3x4, C 2x4
        g.gemm(false, false, 2, 4, 3, a, 0, 3, b, 0, 4, c, 0, 4, false); // fits exactly

        assertMessage("gemm: A ", () -> g.gemm(false, false, 2, 4, 3, new float[5], 0, 3, b, 0, 4, c, 0, 4, false));
        assertMessage("gemm: A ", () -> g.gemm(false, false, 2, 4, 3, a, 1, 3, b, 0, 4, c, 0, 4, false));
        assertMessage("gemm: B ", () -> g.gemm(false, false, 2, 4, 3, a, 0, 3, new float[11], 0, 4, c, 0, 4, false));
        assertMessage("gemm: B ", () -> g.gemm(false, true, 2, 4, 3, a, 0, 3, b, 0, 4, c, 0, 4, false));
        assertMessage("gemm: C ", () -> g.gemm(false, false, 2, 4, 3, a, 0, 3, b, 0, 4, new float[7], 0, 4, true));
        assertMessage("gemm: C ", () -> g.gemm(false, false, 2, 4, 3, a, 0, 3, b, 0, 4, c, -1, 4, false));
        assertMessage("leading dimension of A", () -> g.gemm(false, false, 2, 4, 3, a, 0, 2, b, 0, 4, c, 0, 4, false));
        assertMessage("leading dimension of B", () -> g.gemm(false, true, 2, 4, 3, a, 0, 3, b, 0, 2, c, 0, 4, false));
        assertMessage("leading dimension of C", () -> g.gemm(false, false, 2, 4, 3, a, 0, 3, b, 0, 4, c, 0, 3, false));
        assertMessage("sizes must be >= 0", () -> g.gemm(false, false, -1, 4, 3, a, 0, 3, b, 0, 4, c, 0, 4, false));
    }

    @Test
    void createPicksVectorWhenTheModuleIsPresentAndEjmlWhenForced() {
        String saved = System.getProperty(Gemms.PROPERTY);
        try {
            System.clearProperty(Gemms.PROPERTY);
            // surefire's argLine adds --add-modules=jdk.incubator.vector
            assertTrue(Gemms.vectorApiAvailable(), "tests run with the Vector API module");
            Gemm auto = Gemms.create();
            assertInstanceOf(VectorGemm.class, auto);
            assertTrue(auto.name().startsWith("vector-"), auto.name());

            System.setProperty(Gemms.PROPERTY, "ejml");
            assertInstanceOf(EjmlGemm.class, Gemms.create());
            System.setProperty(Gemms.PROPERTY, "vector");
            assertInstanceOf(VectorGemm.class, Gemms.create());
            System.setProperty(Gemms.PROPERTY, "blas");
            assertThrows(IllegalArgumentException.class, Gemms::create);
        } finally {
            if (saved == null) System.clearProperty(Gemms.PROPERTY);
            else System.setProperty(Gemms.PROPERTY, saved);
        }
    }

    /**
     * Steady state allocates nothing: a training step calls GEMM thousands of times. Batches of
     * 100 calls over mixed shapes (all four forms, edge tiles, overwrite and accumulate) are
     * repeated until C2 has compiled everything (interpreted Vector-API code boxes every vector);
     * then a batch must allocate < 1 KB.
     */
    @Test
    void vectorGemmDoesNotAllocateInSteadyState() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        Gemm g = Gemms.createVector();
        Random rnd = new Random(5);
        float[] a = random(rnd, 64 * 800), b = random(rnd, 800 * 256), c = new float[800 * 256];
        long tid = Thread.currentThread().getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long allocated;
        int batches = 0;
        do {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int r = 0; r < 100; r++) {
                switch (r % 5) {
                    case 0 -> g.gemm(false, false, 32, 256, 75, a, 0, 75, b, 0, 256, c, 0, 256, false);
                    case 1 -> g.gemm(false, true, 32, 75, 256, a, 0, 256, b, 0, 256, c, 0, 75, true);
                    case 2 -> g.gemm(true, false, 100, 64, 32, a, 0, 100, b, 0, 64, c, 0, 64, false);
                    case 3 -> g.gemm(true, true, 17, 33, 65, a, 0, 17, b, 0, 65, c, 0, 33, true);
                    default -> g.gemm(false, false, 5, 3, 1, a, 3, 7, b, 1, 9, c, 2, 4, true);
                }
            }
            allocated = mx.getThreadAllocatedBytes(tid) - before;
            batches++;
        } while (allocated >= 1024 && System.nanoTime() < deadline);
        assertTrue(allocated < 1024, "100 calls still allocated " + allocated + " bytes after " + batches + " batches");
    }

    /**
     * The vector kernel must be right for any species length, not just this machine's 512 bits.
     * The species is a static final (so the JIT folds it), hence a child JVM per width.
     */
    @Test
    void vectorGemmIsCorrectWithNarrowerSpecies() throws Exception {
        for (String bits : new String[] {"256", "128"}) {
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                    "-XX:TieredStopAtLevel=1",  // correctness only: skip C2, start fast
                    "-D" + VectorGemm.BITS_PROPERTY + "=" + bits,
                    "-cp", System.getProperty("java.class.path"), GemmTest.class.getName(), bits));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
            assertEquals(0, p.exitValue(), "vector-" + bits + " check failed:\n" + output);
        }
    }

    /** Child-JVM entry point of {@link #vectorGemmIsCorrectWithNarrowerSpecies}: args[0] = expected bits. */
    public static void main(String[] args) {
        Gemm g = Gemms.createVector();
        if (!g.name().equals("vector-" + args[0])) {
            System.out.println("expected vector-" + args[0] + " but got " + g.name());
            System.exit(2);
        }
        try {
            checkRandomShapes(g, 4321);
        } catch (AssertionError e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.exit(0);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /**
     * Every (m, n) from SIZES with a k that cycles through SIZES, each in all four forms,
     * alternating overwrite/accumulate: 576 cases, not the full 6912-case product, to stay fast.
     */
    static void checkRandomShapes(Gemm g, long seed) {
        Random rnd = new Random(seed);
        int caseNo = 0;
        for (int mi = 0; mi < SIZES.length; mi++) {
            for (int ni = 0; ni < SIZES.length; ni++) {
                int k = SIZES[(mi * 5 + ni * 7) % SIZES.length];
                for (int t = 0; t < 4; t++) {
                    check(g, rnd, (t & 1) != 0, (t & 2) != 0, SIZES[mi], SIZES[ni], k, (caseNo++ & 1) == 0);
                }
            }
        }
    }

    /**
     * One case: random operands at random offsets with leading dimensions >= the column count,
     * C pre-filled with random values. Inside the m x n window C must match the double-precision
     * reference to 1e-4 * (1 + sum_p |a||b| (+ |c| when accumulating)); outside it must be unchanged.
     */
    static void check(Gemm g, Random rnd, boolean transA, boolean transB, int m, int n, int k, boolean accumulate) {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        // max(1, ...): an empty operand may still have a leading dimension, and the window test below divides by ldc
        int lda = Math.max(1, aCols + rnd.nextInt(4)), ldb = Math.max(1, bCols + rnd.nextInt(4));
        int ldc = Math.max(1, n + rnd.nextInt(4));
        int aOff = rnd.nextInt(5), bOff = rnd.nextInt(5), cOff = rnd.nextInt(5);
        float[] a = random(rnd, aOff + aRows * lda + rnd.nextInt(3));
        float[] b = random(rnd, bOff + bRows * ldb + rnd.nextInt(3));
        float[] c = random(rnd, cOff + m * ldc + rnd.nextInt(3));
        float[] expected = c.clone();
        new NaiveGemm().gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, expected, cOff, ldc, accumulate);

        // Error bound per element: the same product over absolute values.
        float[] bound = abs(c);
        new NaiveGemm().gemm(transA, transB, m, n, k, abs(a), aOff, lda, abs(b), bOff, ldb, bound, cOff, ldc, accumulate);

        g.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);

        String what = g.name() + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n
                + " k=" + k + " accumulate=" + accumulate + " offsets " + aOff + "/" + bOff + "/" + cOff
                + " ld " + lda + "/" + ldb + "/" + ldc;
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (inside) {
                double tol = 1e-4 * (1 + bound[idx]);
                if (!(Math.abs(c[idx] - expected[idx]) <= tol)) {
                    fail(what + ": C[" + rel / ldc + "][" + rel % ldc + "] = " + c[idx] + ", expected " + expected[idx]);
                }
            } else if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(expected[idx])) {
                fail(what + ": element " + idx + " outside the m x n window changed from " + expected[idx] + " to " + c[idx]);
            }
        }
    }

    private static void assertMessage(String fragment, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(fragment), "message should contain '" + fragment + "': " + e.getMessage());
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    private static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
        return y;
    }

    /**
     * The JIT-flag advice: silent with both flags, naming exactly the missing one otherwise, and
     * silent in this JVM, which the build starts with the flags every JVM of ours gets (pom.xml's
     * jvm.module.flags): a build that drops one fails here.
     */
    @Test
    void jitFlagsAdviceNamesWhatIsMissing() {
        assertEquals(null, Gemms.jitFlagsAdvice("true", "100000"));
        String noCleanup = Gemms.jitFlagsAdvice("false", "100000");
        assertTrue(noCleanup.contains("IncrementalInlineForceCleanup") && !noCleanup.contains("Tier3DelayOn"), noCleanup);
        String defaultDelay = Gemms.jitFlagsAdvice("true", "5");
        assertTrue(defaultDelay.contains("-XX:Tier3DelayOn=100000") && !defaultDelay.contains("IncrementalInline"), defaultDelay);
        String neither = Gemms.jitFlagsAdvice("false", "0");
        assertTrue(neither.contains("IncrementalInlineForceCleanup") && neither.contains("Tier3DelayOn"), neither);
        // a JVM without -XX:+UnlockDiagnosticVMOptions hides the diagnostic flag: no value at all
        String hidden = Gemms.jitFlagsAdvice(null, null);
        assertTrue(hidden.contains("-XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup") && hidden.contains("Tier3DelayOn"), hidden);
        assertEquals(null, Gemms.jitFlagsAdvice(), "this test JVM should run with the build's JIT flags");
    }
}
