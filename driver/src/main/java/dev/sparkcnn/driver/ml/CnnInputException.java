package dev.sparkcnn.driver.ml;

/**
 * A DataFrame that {@link CnnClassifier} or {@link CnnClassificationModel} cannot use: a features
 * or label column of the wrong type, an image of the wrong size, a label outside 0..9. The message
 * names the column and the row (or the image's origin) and says what was expected.
 */
public class CnnInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CnnInputException(String message) {
        super(message);
    }

    public CnnInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The first CnnInputException in {@code e}'s causes (Spark wraps a task's exception in a
     * SparkException that says "Job aborted due to stage failure"), rethrown with its own message;
     * {@code e} itself when there is none. SparkException is a checked exception that Scala code
     * throws undeclared, hence {@code Exception} and the unchecked rethrow.
     */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CnnInputException) return new CnnInputException(t.getMessage(), e);
            if (t instanceof dev.sparkcnn.driver.data.DataException) return new dev.sparkcnn.driver.data.DataException(t.getMessage(), e);
        }
        if (e instanceof RuntimeException) return (RuntimeException) e;
        throw CnnInputException.<RuntimeException>sneaky(e);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
