package dev.sparkcnn.driver.data;

import dev.sparkcnn.kernels.data.CifarBlock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network's input against hand-written loops: normalisation, crop offsets, flips and the black padding. */
class ImageFillerTest {

    private static final Normalization NORM = new Normalization(new float[] {0.49f, 0.48f, 0.45f}, new float[] {0.25f, 0.24f, 0.26f});

    /** Three images whose pixels encode their coordinates: R = 7y + 1, G = 7x + 2, B = 200 - i. */
    private static CifarBlock coordinates() {
        byte[] pixels = new byte[3 * 3072];
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    pixels[i * 3072 + y * 32 + x] = (byte) (7 * y + 1);
                    pixels[i * 3072 + 1024 + y * 32 + x] = (byte) (7 * x + 2);
                    pixels[i * 3072 + 2048 + y * 32 + x] = (byte) (200 - i);
                }
            }
        }
        return new CifarBlock(pixels, new byte[] {0, 1, 2});
    }

    private static float normalised(int value, int c) {
        return (float) ((value / 255.0 - NORM.mean()[c]) / NORM.std()[c]);
    }

    @Test
    void fillNormalisesEveryPixelByItsChannel() {
        CifarBlock block = coordinates();
        float[] dst = new float[2 * 3072 + 5];
        new ImageFiller(NORM).fill(block, 1, dst, 3072 + 5);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    float want = normalised(block.pixel(1, c, y, x), c);
                    assertEquals(want, dst[3072 + 5 + c * 1024 + y * 32 + x], 2e-6, "c " + c + " y " + y + " x " + x);
                }
            }
        }
        for (int i = 0; i < 3072 + 5; i++) assertEquals(0f, dst[i], "nothing written before the offset");
    }

    @Test
    void augmentationMovesAndMirrorsPixelsAsItsSeedSays() {
        CifarBlock block = coordinates();
        ImageFiller filler = new ImageFiller(NORM);
        float[] dst = new float[3072];
        int flips = 0, shifted = 0;
        for (long record = 0; record < 60; record++) {
            for (boolean crop : new boolean[] {false, true}) {
                for (boolean flip : new boolean[] {false, true}) {
                    filler.fillAugmented(block, 2, dst, 0, 9, 4, record, crop, flip);
                    // the documented choice, recomputed here
                    long h = Seeds.mix(9, 0xA06L, 4, record);
                    boolean mirrored = flip && ((h >>> 40) & 1) == 1;
                    int dy = crop ? (int) Math.floorMod(h, 9L) - 4 : 0;
                    int dx = crop ? (int) Math.floorMod(h >>> 16, 9L) - 4 : 0;
                    if (mirrored && !crop) flips++;
                    if ((dy != 0 || dx != 0) && !flip) shifted++;
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            // output (y, x) shows source row y + dy, column (mirrored ? 31 - x : x) + dx, or black padding
                            int sy = y + dy, sx = (mirrored ? 31 - x : x) + dx;
                            boolean inside = sy >= 0 && sy < 32 && sx >= 0 && sx < 32;
                            for (int c = 0; c < 3; c++) {
                                int value = inside ? (c == 0 ? 7 * sy + 1 : c == 1 ? 7 * sx + 2 : 198) : 0;
                                assertEquals(normalised(value, c), dst[c * 1024 + y * 32 + x], 2e-6,
                                        "record " + record + " crop " + crop + " flip " + flip + " c " + c + " y " + y + " x " + x);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(flips > 10 && flips < 50, "about half of the flip-enabled fills mirror: " + flips + " of 60");
        assertTrue(shifted > 40, "most crops move the image: " + shifted);
    }
}
