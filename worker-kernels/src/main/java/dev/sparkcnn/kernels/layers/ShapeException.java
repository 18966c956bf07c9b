package dev.sparkcnn.kernels.layers;

/** A layer's numbers do not fit its input; the message shows the formula and its result. */
public class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }
}
