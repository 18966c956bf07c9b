package dev.sparkcnn.driver.train;

/** The loss or gradient became NaN or infinite; the run stops before the parameters are touched. */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
