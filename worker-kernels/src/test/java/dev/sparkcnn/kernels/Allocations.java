package dev.sparkcnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Measures heap allocation of hot calls with the thread's allocation counter. */
public final class Allocations {

    private Allocations() {
    }

    /** Bytes allocated by 1000 calls, after repeating until the JIT has settled (at most 20 s). */
    public static long bytesPer1000(Runnable call) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        long tid = Thread.currentThread().getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long allocated;
        do {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int r = 0; r < 1000; r++) {
                call.run();
            }
            allocated = mx.getThreadAllocatedBytes(tid) - before;
        } while (allocated >= 1024 && System.nanoTime() < deadline);
        return allocated;
    }
}
