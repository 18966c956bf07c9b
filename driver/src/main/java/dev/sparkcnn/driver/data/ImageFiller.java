package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;

/**
 * Turns cached uint8 images into the kernel's normalised float input, optionally augmented with
 * the standard CIFAR-10 recipe: a random 32x32 crop of the image padded by 4 black pixels, and a
 * horizontal flip with probability 1/2. The crop offset and flip are a function of (seed, epoch,
 * record), so a record gets the same augmentation wherever and whenever it is processed.
 */
public final class ImageFiller {

    public static final int PAD = 4;

    private final float[] scale = new float[3];
    private final float[] shift = new float[3];
    private final float[] padValue = new float[3];

    public ImageFiller(Normalization norm) {
        for (int c = 0; c < 3; c++) {
            // (v/255 - mean)/std = v * scale + shift
            scale[c] = 1f / (255f * norm.stdOf(c));
            shift[c] = -norm.meanOf(c) / norm.stdOf(c);
            padValue[c] = shift[c];   // a black pixel, normalised
        }
    }

    /** Image i of the block into dst at dstOff (3x32x32 floats), unaugmented. */
    public void fill(CifarBlock block, int i, float[] dst, int dstOff) {
        for (int c = 0; c < 3; c++) {
            int o = dstOff + c * CifarRecords.PLANE_BYTES;
            float sc = scale[c], sh = shift[c];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) dst[o + y * 32 + x] = block.pixel(i, c, y, x) * sc + sh;
            }
        }
    }

    /** Image i augmented by the crop and/or flip that (seed, epoch, record) select. */
    public void fillAugmented(CifarBlock block, int i, float[] dst, int dstOff, long seed, long epoch, long record,
                              boolean crop, boolean flipping) {
        long r = Seeds.mix(seed, 0xA06L, epoch, record);
        int dy = crop ? (int) Math.floorMod(r, 2 * PAD + 1) - PAD : 0;
        int dx = crop ? (int) Math.floorMod(r >>> 16, 2 * PAD + 1) - PAD : 0;
        boolean flip = flipping && ((r >>> 40) & 1) == 1;
        for (int c = 0; c < 3; c++) {
            int o = dstOff + c * CifarRecords.PLANE_BYTES;
            float sc = scale[c], sh = shift[c], pad = padValue[c];
            for (int y = 0; y < 32; y++) {
                int sy = y + dy;
                for (int x = 0; x < 32; x++) {
                    int sx = (flip ? 31 - x : x) + dx;
                    dst[o + y * 32 + x] = sy < 0 || sy >= 32 || sx < 0 || sx >= 32 ? pad : block.pixel(i, c, sy, sx) * sc + sh;
                }
            }
        }
    }
}
