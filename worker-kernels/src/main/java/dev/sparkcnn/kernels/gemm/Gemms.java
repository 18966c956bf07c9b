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
