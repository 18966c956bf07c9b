package dev.sparkcnn.driver.checkpoint;

/** A model or checkpoint file that cannot be used; the message names the file and the problem. */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
