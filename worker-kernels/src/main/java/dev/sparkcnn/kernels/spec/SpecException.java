package dev.sparkcnn.kernels.spec;

/** A model spec that cannot be used; the message names the file, the line and what was expected. */
public class SpecException extends IllegalArgumentException {
    public SpecException(String message) {
        super(message);
    }

    public SpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
