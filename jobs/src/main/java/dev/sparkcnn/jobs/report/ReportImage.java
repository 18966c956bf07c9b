package dev.sparkcnn.jobs.report;

/**
 * One test image for the report with its true and predicted class.
 *
 * @param chw            3*S*S unsigned bytes in CIFAR layout: S*S red, then S*S green, then S*S blue, each plane
 *                       row-major (S = 32 for CIFAR-10, so 3072 bytes)
 * @param trueLabel      index into the report's class names
 * @param predictedLabel index into the report's class names
 */
public record ReportImage(byte[] chw, int trueLabel, int predictedLabel) {

    public ReportImage {
        if (chw == null) throw new IllegalArgumentException("image bytes are null; expected 3*32*32 = 3072 CHW bytes");
        int side = (int) Math.round(Math.sqrt(chw.length / 3.0));
        if (chw.length == 0 || 3 * side * side != chw.length) {
            throw new IllegalArgumentException("image has " + chw.length + " bytes; expected 3*S*S CHW bytes of a square "
                    + "RGB image, e.g. 3072 for a 32x32 CIFAR image");
        }
    }

    /** Width and height in pixels. */
    public int side() {
        return (int) Math.round(Math.sqrt(chw.length / 3.0));
    }

    public boolean correct() {
        return trueLabel == predictedLabel;
    }
}
