package dev.sparkcnn.driver.onnx;

/** A model, layer or option that cannot be written as ONNX; the message names it and says why. */
public final class OnnxExportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OnnxExportException(String message) {
        super(message);
    }
}
