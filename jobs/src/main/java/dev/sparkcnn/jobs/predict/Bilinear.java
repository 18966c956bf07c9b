package dev.sparkcnn.jobs.predict;

/**
 * Bilinear resampling of an RGB image to the network's input size, written out rather than left to
 * Java2D (whose interpolation rules are unspecified and differ between pipelines).
 *
 * <p>Pixel centres are aligned: destination pixel {@code (x, y)} of a {@code dw x dh} image samples
 * the source at {@code sx = (x + 0.5) * sw / dw - 0.5}, {@code sy = (y + 0.5) * sh / dh - 0.5},
 * clamped to {@code [0, sw - 1] x [0, sh - 1]}, and interpolates the four neighbouring source pixels
 * linearly in each axis; channels are rounded to the nearest integer. Like every 2x2 bilinear filter
 * it averages only four pixels, so a large reduction aliases (it samples rather than averages).
 */
public final class Bilinear {

    private Bilinear() {
    }

    /**
     * {@code src} holds {@code sw x sh} packed RGB pixels (0xRRGGBB, row-major); returns the
     * {@code dw x dh} image as uint8 CHW planes (R, G, B), the CIFAR layout.
     */
    public static byte[] resizeToChw(int[] src, int sw, int sh, int dw, int dh) {
        if (src.length != sw * sh) throw new IllegalArgumentException(src.length + " pixels given for a " + sw + "x" + sh + " image");
        byte[] out = new byte[3 * dw * dh];
        int plane = dw * dh;
        for (int y = 0; y < dh; y++) {
            double sy = clamp((y + 0.5) * sh / dh - 0.5, sh - 1);
            int y0 = (int) Math.floor(sy), y1 = Math.min(y0 + 1, sh - 1);
            double fy = sy - y0;
            for (int x = 0; x < dw; x++) {
                double sx = clamp((x + 0.5) * sw / dw - 0.5, sw - 1);
                int x0 = (int) Math.floor(sx), x1 = Math.min(x0 + 1, sw - 1);
                double fx = sx - x0;
                int p00 = src[y0 * sw + x0], p01 = src[y0 * sw + x1], p10 = src[y1 * sw + x0], p11 = src[y1 * sw + x1];
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;   // R, G, B
                    double top = (1 - fx) * (p00 >> shift & 0xff) + fx * (p01 >> shift & 0xff);
                    double bottom = (1 - fx) * (p10 >> shift & 0xff) + fx * (p11 >> shift & 0xff);
                    out[c * plane + y * dw + x] = (byte) Math.round((1 - fy) * top + fy * bottom);
                }
            }
        }
        return out;
    }

    private static double clamp(double v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }
}
