package dev.sparkcnn.jobs.sweep;

/** A sweep file or sweep directory that cannot be used; the message says where (file:line, key) and why. */
public class SweepException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SweepException(String message) {
        super(message);
    }
}
