package dev.sparkcnn.kernels.gemm;

import java.util.Locale;

/**
 * Chooses the GEMM implementation: the Vector-API kernel when the {@code jdk.incubator.vector}
 * module is in the boot layer (the JVM was started with {@code --add-modules jdk.incubator.vector}),
 * EJML otherwise. The system property {@code sparkcnn.gemm} ({@code vector} or {@code ejml})
 * forces a choice; forcing {@code vector} without the module is an error that says which flag to add.
 */
public final class Gemms {

    public static final String PROPERTY = "sparkcnn.gemm";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.sparkcnn.kernels.gemm.VectorGemm";

    private Gemms() {
    }

    /** True when the Vector API module is present in this JVM. */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * Null when this JVM runs with the JIT flags of README's "The GEMM and the JVM flags"
     * ({@code -XX:+IncrementalInlineForceCleanup -XX:Tier3DelayOn=100000}), or has no Vector API
     * (no kernels to protect); else one line saying which flags are missing and what they prevent.
     */
    public static String jitFlagsAdvice() {
        if (!vectorApiAvailable()) return null;
        com.sun.management.HotSpotDiagnosticMXBean hs;
        try {
            hs = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            hs = null;
        }
        if (hs == null) return null;   // not HotSpot: its JIT has neither flag nor these failure modes
        // a diagnostic flag is invisible (IllegalArgumentException) unless diagnostic options are unlocked
        return jitFlagsAdvice(option(hs, "IncrementalInlineForceCleanup"), option(hs, "Tier3DelayOn"));
    }

    private static String option(com.sun.management.HotSpotDiagnosticMXBean hs, String name) {
        try {
            return hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The advice for these values of the two flags (the JVM's own strings: "true", "5"). */
    static String jitFlagsAdvice(String forceCleanup, String tier3DelayOn) {
        StringBuilder missing = new StringBuilder();
        if (!"true".equals(forceCleanup)) missing.append(" -XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup");
        long delay;
        try {
            delay = Long.parseLong(tier3DelayOn.trim());
        } catch (NumberFormatException | NullPointerException e) {
            delay = 0;
        }
        if (delay < 10_000) missing.append(" -XX:Tier3DelayOn=100000");
        if (missing.length() == 0) return null;
        return "this JVM lacks the JIT flags" + missing + " (conf/spark-defaults.conf and deploy/cnn set them): without "
                + "them JDK 17 can leave a convolution kernel unoptimised for the whole run (5x slower steps) "
                + "or allocating on every call";
    }

    /** A new instance of the preferred implementation (each instance owns scratch: one per thread). */
    public static Gemm create() {
        String forced = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        switch (forced) {
            case "ejml":
                return new EjmlGemm();
            case "vector":
                return createVector();
            case "auto":
            case "":
                return vectorApiAvailable() ? createVector() : new EjmlGemm();
            default:
                throw new IllegalArgumentException("system property " + PROPERTY + "=" + forced
                        + " is not one of: auto, vector, ejml");
        }
    }

    /**
     * The Vector-API implementation. Loaded reflectively so that this class, and everything that
     * uses GEMM, links on a JVM without the incubator module.
     */
    public static Gemm createVector() {
        if (!vectorApiAvailable()) {
            throw new IllegalStateException("the Vector-API GEMM needs the JVM flag --add-modules "
                    + VECTOR_MODULE + " (it is in conf/spark-defaults.conf and the launch scripts); "
                    + "without it use -D" + PROPERTY + "=ejml or leave " + PROPERTY + " unset");
        }
        try {
            return (Gemm) Class.forName(VECTOR_CLASS).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load " + VECTOR_CLASS, e);
        }
    }
}
