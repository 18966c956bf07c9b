package dev.sparkcnn.driver.data;

/** Training data that cannot be used: the message names the path (file, record) and what was expected. */
public class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
