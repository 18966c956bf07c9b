package dev.sparkcnn.driver.model;

import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.tensor.Shape;

/**
 * Whether a network can work on CIFAR-10 data: it must take 3x32x32 images (what every data path
 * delivers, resized if need be) and score the 10 classes. Anything else would train or "predict"
 * garbage, or misalign the columns of a CSV, without an error; every job and API checks this first.
 */
public final class CifarCompatibility {

    public static final Shape INPUT = new Shape(CifarRecords.CHANNELS, CifarRecords.HEIGHT, CifarRecords.WIDTH);

    private CifarCompatibility() {
    }

    /** Refuses {@code net} (from {@code source}, a spec or model file) unless it maps 3x32x32 images to 10 class scores. */
    public static void require(Network net, String source) {
        if (!net.inputShape().equals(INPUT)) {
            throw new IncompatibleModelException(source + " takes input " + net.inputShape() + ", but CIFAR-10 images are " + INPUT
                    + ": use a model whose spec starts with 'input 3x32x32'");
        }
        int classes = net.outputShape().size();
        if (classes != CifarRecords.CLASSES) {
            throw new IncompatibleModelException(source + " scores " + classes + " classes (its last layer gives " + net.outputShape()
                    + "), but CIFAR-10 has " + CifarRecords.CLASSES + ": end the spec with 'fc units=10' (or a 10-filter head)");
        }
    }

    /**
     * Refuses {@code net} (from {@code source}) unless it takes {@code input} images and scores
     * {@code classes} classes, the numbers of the data ({@code data} names it).
     */
    public static void require(Network net, String source, Shape input, int classes, String data) {
        if (input != null && !net.inputShape().equals(input)) {
            throw new IncompatibleModelException(source + " takes input " + net.inputShape() + ", but the images of " + data + " are "
                    + input + ": use a model whose spec starts with 'input " + input.channels() + "x" + input.height() + "x" + input.width() + "'");
        }
        int scored = net.outputShape().size();
        if (scored != classes) {
            throw new IncompatibleModelException(source + " scores " + scored + " classes (its last layer gives " + net.outputShape()
                    + "), but " + data + " has " + classes + " classes: end the spec with 'fc units=" + classes
                    + "' (or 'fc units=classes', which takes the number from the data)");
        }
    }

    /** A model that does not fit the data it is asked to work on. */
    public static final class IncompatibleModelException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        IncompatibleModelException(String message) {
            super(message);
        }
    }
}
