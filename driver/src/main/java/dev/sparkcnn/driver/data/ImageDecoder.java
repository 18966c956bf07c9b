package dev.sparkcnn.driver.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Locale;

/**
 * Decodes encoded images (PNG, JPEG, anything javax.imageio reads) into the model's input layout,
 * C x H x W uint8, CHW planes. The size policy, the same for training, evaluation and prediction:
 * <ul>
 *   <li>an image of exactly H x W is taken as it is;</li>
 *   <li>any other size is centre-cropped to the H:W aspect ratio (the largest centred window) and
 *       that window resized bilinearly to H x W (pixel centres aligned, see {@link #resize}), i.e.
 *       "resize the shorter side, then centre-crop"; training then adds the seeded random crop and
 *       flip of {@link ImageFiller} on top of this cached image;</li>
 *   <li>colour: a 3-channel model gets R, G, B (a greyscale image gives three equal planes); a
 *       1-channel model gets the luma {@code round(0.299 R + 0.587 G + 0.114 B)}; alpha is dropped.</li>
 * </ul>
 * The declared size in an image's header is checked against {@code maxPixels} before anything is
 * decoded: a file of a hundred bytes can declare 16000x16000 pixels and make a decoder allocate a
 * gigabyte (an "image bomb").
 */
public final class ImageDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default cap on an image's declared pixels: 4096 x 4096 (64 MB decoded), like PIL's order of magnitude. */
    public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;

    private final int channels, height, width;
    private final long maxPixels;

    public ImageDecoder(int channels, int height, int width, long maxPixels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images decode to 1 (grey) or 3 (RGB) channels, the model takes " + channels);
        }
        if (maxPixels <= 0) throw new IllegalArgumentException("the pixel cap must be positive, got " + maxPixels);
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.maxPixels = maxPixels;
    }

    public int imageBytes() {
        return channels * height * width;
    }

    /** An image that could not be decoded; the message names the file or row. */
    public static final class UnreadableImageException extends DataException {
        private static final long serialVersionUID = 1L;

        public UnreadableImageException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Decodes {@code bytes} ({@code where} names the file or row in errors) into {@code dst} from {@code off}. */
    public void decode(byte[] bytes, String where, byte[] dst, int off) {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            img = readChecked(in, where, maxPixels, "data.max.pixels");
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException(where + " is not a readable image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new UnreadableImageException(where + " is not an image javax.imageio can read (PNG, JPEG, BMP, GIF)"
                    + (bytes.length == 0 ? ": it is empty" : ""), null);
        }
        int w = img.getWidth(), h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        resize(rgb, w, h, channels, width, height, dst, off);
    }

    /**
     * Packed 0xRRGGBB pixels ({@code sw x sh}, row-major) to {@code channels x dh x dw} CHW uint8 at
     * {@code dst[off..]}: the centred {@code dh:dw} window of the source, sampled bilinearly with
     * pixel centres aligned (destination x samples source {@code x0 + (x + 0.5) * cw / dw - 0.5},
     * clamped), channels rounded to the nearest integer.
     */
    public static void resize(int[] src, int sw, int sh, int channels, int dw, int dh, byte[] dst, int off) {
        // the largest window of the destination's aspect ratio, centred
        double cw = sw, ch = sh;
        if ((double) sw * dh > (double) sh * dw) cw = (double) sh * dw / dh;
        else ch = (double) sw * dh / dw;
        double x0 = (sw - cw) / 2, y0 = (sh - ch) / 2;
        int plane = dw * dh;
        boolean exact = sw == dw && sh == dh;
        double[] v = new double[3];
        for (int y = 0; y < dh; y++) {
            double sy = clamp(y0 + (y + 0.5) * ch / dh - 0.5, sh - 1);
            int ya = (int) Math.floor(sy), yb = Math.min(ya + 1, sh - 1);
            double fy = exact ? 0 : sy - ya;
            for (int x = 0; x < dw; x++) {
                double sx = clamp(x0 + (x + 0.5) * cw / dw - 0.5, sw - 1);
                int xa = (int) Math.floor(sx), xb = Math.min(xa + 1, sw - 1);
                double fx = exact ? 0 : sx - xa;
                int p00 = src[ya * sw + xa], p01 = src[ya * sw + xb], p10 = src[yb * sw + xa], p11 = src[yb * sw + xb];
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;   // R, G, B
                    double top = (1 - fx) * (p00 >> shift & 0xff) + fx * (p01 >> shift & 0xff);
                    double bottom = (1 - fx) * (p10 >> shift & 0xff) + fx * (p11 >> shift & 0xff);
                    v[c] = (1 - fy) * top + fy * bottom;
                }
                int at = off + y * dw + x;
                if (channels == 1) {
                    dst[at] = (byte) Math.round(0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2]);
                } else {
                    for (int c = 0; c < 3; c++) dst[at + c * plane] = (byte) Math.round(v[c]);
                }
            }
        }
    }

    /** A CHW uint8 image of another size or channel count (e.g. a 3x32x32 CIFAR record) in this decoder's layout. */
    public void convert(byte[] chw, int srcOff, int sc, int sh, int sw, byte[] dst, int off) {
        if (sc == channels && sh == height && sw == width) {
            System.arraycopy(chw, srcOff, dst, off, imageBytes());
            return;
        }
        int plane = sh * sw;
        int[] rgb = new int[plane];
        for (int p = 0; p < plane; p++) {
            int r = chw[srcOff + p] & 0xff;
            int g = sc == 3 ? chw[srcOff + plane + p] & 0xff : r, b = sc == 3 ? chw[srcOff + 2 * plane + p] & 0xff : r;
            rgb[p] = r << 16 | g << 8 | b;
        }
        resize(rgb, sw, sh, channels, width, height, dst, off);
    }

    private static double clamp(double v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    /**
     * The first image of {@code in}, decoded only after the size its header declares has been checked
     * against {@code maxPixels} (a DataException naming {@code where} and the setting {@code cap} otherwise);
     * null when javax.imageio has no reader for it. Shared by every path that decodes a user's image.
     */
    public static BufferedImage readChecked(ImageInputStream in, String where, long maxPixels, String cap) throws IOException {
        Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
        if (readers == null || !readers.hasNext()) return null;
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0), h = reader.getHeight(0);   // from the header only
            if (w <= 0 || h <= 0 || (long) w * h > maxPixels) {
                throw new DataException(String.format(Locale.ROOT, "%s declares %dx%d = %,d pixels, more than the cap of %,d "
                        + "(%s): refused before decoding (an image bomb?); shrink it, or raise the cap if it is genuine",
                        where, w, h, (long) w * h, maxPixels, cap));
            }
            return reader.read(0);
        } finally {
            reader.dispose();
        }
    }
}
