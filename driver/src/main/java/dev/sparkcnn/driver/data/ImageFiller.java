package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;

/**
 * Turns cached uint8 images (already at the model's C x H x W, see {@link ImageDecoder} for how
 * other sizes get there) into the kernel's normalised float input, optionally augmented with the
 * standard recipe: a random H x W crop of the image padded by {@link #pad} black pixels on every
 * side (4 for 32x32, H/8 in general), and a horizontal flip with probability 1/2. The crop offset
 * and flip are a function of (seed, epoch, record), so a record gets the same augmentation
 * wherever and whenever it is processed.
 */
public final class ImageFiller {

    /** The padding of CIFAR-size (32x32) images. */
    public static final int PAD = 4;

    private final float[] scale;
    private final float[] shift;
    private final float[] padValue;

    public ImageFiller(Normalization norm) {
        int channels = norm.channels();
        scale = new float[channels];
        shift = new float[channels];
        padValue = new float[channels];
        for (int c = 0; c < channels; c++) {
            // (v/255 - mean)/std = v * scale + shift
            scale[c] = 1f / (255f * norm.stdOf(c));
            shift[c] = -norm.meanOf(c) / norm.stdOf(c);
            padValue[c] = shift[c];   // a black pixel, normalised
        }
    }

    /** The crop padding for images of this size: min(H, W) / 8, at least 1 (4 for 32x32). */
    public static int pad(int height, int width) {
        return Math.max(1, Math.min(height, width) / 8);
    }

    private void checkChannels(CifarBlock block) {
        if (block.channels() != scale.length) {
            throw new IllegalArgumentException("images have " + block.channels() + " channels, the normalisation " + scale.length);
        }
    }

    /** Image i of the block into dst at dstOff (C x H x W floats), unaugmented. */
    public void fill(CifarBlock block, int i, float[] dst, int dstOff) {
        checkChannels(block);
        int h = block.height(), w = block.width(), plane = h * w, base = i * block.imageBytes();
        byte[] px = block.pixelArray();
        for (int c = 0; c < scale.length; c++) {
            int o = dstOff + c * plane, s = base + c * plane;
            float sc = scale[c], sh = shift[c];
            for (int p = 0; p < plane; p++) dst[o + p] = (px[s + p] & 0xff) * sc + sh;
        }
    }

    /** Image i augmented by the crop and/or flip that (seed, epoch, record) select. */
    public void fillAugmented(CifarBlock block, int i, float[] dst, int dstOff, long seed, long epoch, long record,
                              boolean crop, boolean flipping) {
        checkChannels(block);
        int h = block.height(), w = block.width(), pad = pad(h, w);
        long r = Seeds.mix(seed, 0xA06L, epoch, record);
        int dy = crop ? (int) Math.floorMod(r, 2 * pad + 1) - pad : 0;
        int dx = crop ? (int) Math.floorMod(r >>> 16, 2 * pad + 1) - pad : 0;
        boolean flip = flipping && ((r >>> 40) & 1) == 1;
        for (int c = 0; c < scale.length; c++) {
            int o = dstOff + c * h * w;
            float sc = scale[c], sh = shift[c], pv = padValue[c];
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    dst[o + y * w + x] = sy < 0 || sy >= h || sx < 0 || sx >= w ? pv : block.pixel(i, c, sy, sx) * sc + sh;
                }
            }
        }
    }
}
