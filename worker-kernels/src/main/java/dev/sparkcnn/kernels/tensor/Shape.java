package dev.sparkcnn.kernels.tensor;

/**
 * The shape of one sample flowing between layers: channels x height x width (NCHW without the N).
 * A fully connected output of width k is {@code (k, 1, 1)}.
 */
public record Shape(int channels, int height, int width) {

    public Shape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("a shape needs positive sizes, got " + channels + "x" + height + "x" + width);
        }
    }

    public static Shape vector(int size) {
        return new Shape(size, 1, 1);
    }

    /** Floats per sample. */
    public int size() {
        return channels * height * width;
    }

    public boolean isVector() {
        return height == 1 && width == 1;
    }

    /** "3x32x32", the form specs and summaries use. */
    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }

    /** Parses "3x32x32" (or a single number for a vector). */
    public static Shape parse(String text) {
        String[] parts = text.trim().split("x");
        try {
            if (parts.length == 1) return vector(Integer.parseInt(parts[0]));
            if (parts.length == 3) {
                return new Shape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a shape: expected CxHxW such as 3x32x32");
    }
}
