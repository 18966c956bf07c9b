package dev.sparkcnn.driver.train;

import org.apache.spark.TaskContext;

import java.io.Serializable;
import java.util.Locale;

/**
 * A test hook that makes one Spark task attempt fail at a chosen point of its work, to prove that
 * a retried task counts its gradient exactly once. It is set on the driver with the system property
 * {@value #PROPERTY} = {@code STEP:POINT} (STEP the run's step index, {@code epoch * stepsPerEpoch +
 * stepInEpoch}; POINT one of {@link Point}, e.g. {@code 3:after-forward}) and travels to the tasks
 * inside the step's settings, so it works on any master. It fires once: in partition 0, in the first
 * attempt of the task and of its stage, and never outside a Spark task (the local reference trainer).
 *
 * <p>The step code ({@link ShardStep}, {@link PartitionWork}) calls {@link #at} at each point, so
 * every exchange mode (a job per step, a long-lived epoch job) runs through the same points.
 */
public final class FailureInjection implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PROPERTY = "sparkcnn.test.injectFailure";

    /** No failure: what every real run has. */
    public static final FailureInjection NONE = new FailureInjection(-1, null);

    /** Where in a partition's step the failure happens. */
    public enum Point {
        /** before the partition has read its parameters' first slice: nothing computed yet */
        BEFORE_WORK,
        /** after the forward pass and loss of the partition's first shard slice, before its backward pass */
        AFTER_FORWARD,
        /**
         * in the middle of the partition's backward work: the first shard slice's backward pass has added
         * its gradient into the partition's sums, the other slices' have not
         */
        DURING_BACKWARD;

        String spelling() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final long step;
    private final Point point;

    public FailureInjection(long step, Point point) {
        this.step = step;
        this.point = point;
    }

    /** The failure the system property asks for, or {@link #NONE}. */
    public static FailureInjection fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) return NONE;
        String[] parts = v.trim().split(":");
        try {
            Point p = parts.length == 1 ? Point.BEFORE_WORK : Point.valueOf(parts[1].trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (parts.length > 2) throw new IllegalArgumentException();
            return new FailureInjection(Long.parseLong(parts[0].trim()), p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": expected STEP or STEP:POINT with POINT one of "
                    + "before-work, after-forward, during-backward");
        }
    }

    /** Called by the step code at {@code here} of step {@code stepInEpoch} (of {@code steps}) in {@code epoch}. */
    void at(Point here, long epoch, int stepInEpoch, int steps) {
        if (point != here || epoch * steps + stepInEpoch != step) return;
        TaskContext tc = TaskContext.get();
        if (tc == null || tc.partitionId() != 0 || tc.attemptNumber() != 0 || tc.stageAttemptNumber() != 0) return;
        throw new InjectedFailure("injected failure of partition 0, attempt 0, step " + step + ", " + point.spelling()
                + " (test hook -D" + PROPERTY + ")");
    }

    @Override
    public String toString() {
        return point == null ? "none" : step + ":" + point.spelling();
    }

    /** The exception an injected failure throws. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
