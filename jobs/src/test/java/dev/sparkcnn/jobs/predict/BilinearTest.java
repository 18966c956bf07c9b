package dev.sparkcnn.jobs.predict;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The resize against values worked out by hand from the pixel-centre convention. */
class BilinearTest {

    private static int rgb(int r, int g, int b) {
        return r << 16 | g << 8 | b;
    }

    private static int at(byte[] chw, int c, int y, int x, int w, int h) {
        return chw[c * w * h + y * w + x] & 0xff;
    }

    @Test
    void theSameSizeIsTheImage() {
        int[] src = new int[32 * 32];
        for (int i = 0; i < src.length; i++) src[i] = rgb(i % 256, (i * 7) % 256, 255 - i % 256);
        byte[] out = Bilinear.resizeToChw(src, 32, 32, 32, 32);
        for (int i = 0; i < src.length; i++) {
            assertEquals(i % 256, at(out, 0, i / 32, i % 32, 32, 32));
            assertEquals((i * 7) % 256, at(out, 1, i / 32, i % 32, 32, 32));
            assertEquals(255 - i % 256, at(out, 2, i / 32, i % 32, 32, 32));
        }
    }

    @Test
    void halvingAveragesEachTwoByTwoBlock() {
        // 64x64 -> 32x32: output (x, y) samples the source at (2x + 0.5, 2y + 0.5), halfway between four pixels
        int[] src = new int[64 * 64];
        SplitRandom r = new SplitRandom(5);
        for (int i = 0; i < src.length; i++) src[i] = rgb(r.next(256), r.next(256), r.next(256));
        byte[] out = Bilinear.resizeToChw(src, 64, 64, 32, 32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c, sum = 0;
                    for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) sum += src[(2 * y + dy) * 64 + 2 * x + dx] >> shift & 0xff;
                    assertEquals(Math.round(sum / 4.0), at(out, c, y, x, 32, 32), 0, "c " + c + " y " + y + " x " + x);
                }
            }
        }
    }

    @Test
    void doublingInterpolatesAQuarterAndThreeQuartersAndClampsAtTheEdges() {
        // 16 wide -> 32: output x samples the source at x/2 - 1/4: x = 0 clamps to pixel 0, x = 2k+1 is 3/4 of k and 1/4 of k+1,
        // x = 2k+2 is 1/4 of k and 3/4 of k+1, x = 31 clamps to pixel 15; one row, so no vertical mixing
        int[] src = new int[16];
        for (int k = 0; k < 16; k++) src[k] = rgb(16 * k, 255 - 16 * k, k * k);
        byte[] out = Bilinear.resizeToChw(src, 16, 1, 32, 1);
        for (int x = 0; x < 32; x++) {
            double sx = Math.min(Math.max(x / 2.0 - 0.25, 0), 15);
            int k = (int) Math.floor(sx);
            double f = sx - k;
            for (int c = 0; c < 3; c++) {
                int shift = 16 - 8 * c;
                double want = (1 - f) * (src[k] >> shift & 0xff) + f * (src[Math.min(k + 1, 15)] >> shift & 0xff);
                assertEquals(Math.round(want), at(out, c, 0, x, 32, 1), "c " + c + " x " + x);
            }
        }
        assertEquals(0, at(Bilinear.resizeToChw(src, 16, 1, 32, 1), 0, 0, 0, 32, 1), "x = 0 is the first pixel");
        assertEquals(240, at(Bilinear.resizeToChw(src, 16, 1, 32, 1), 0, 0, 31, 32, 1), "x = 31 is the last");
        assertEquals(4, at(Bilinear.resizeToChw(src, 16, 1, 32, 1), 0, 0, 1, 32, 1), "x = 1: 3/4 * 0 + 1/4 * 16");
    }

    @Test
    void aLinearRampStaysLinear() {
        // a ramp R = x + y over 100x60 scaled to 32x32 is the ramp at the sample points (all inside, no clamping)
        int[] src = new int[100 * 60];
        for (int y = 0; y < 60; y++) for (int x = 0; x < 100; x++) src[y * 100 + x] = rgb(x + y, 0, 0);
        byte[] out = Bilinear.resizeToChw(src, 100, 60, 32, 32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                double sx = (x + 0.5) * 100 / 32 - 0.5, sy = (y + 0.5) * 60 / 32 - 0.5;
                assertEquals(Math.round(sx + sy), at(out, 0, y, x, 32, 32), "y " + y + " x " + x);
            }
        }
    }

    @Test
    void aWrongPixelCountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Bilinear.resizeToChw(new int[10], 4, 4, 32, 32));
    }

    /** A tiny deterministic generator (no shared state with the code under test). */
    private static final class SplitRandom {
        private long s;

        SplitRandom(long seed) {
            s = seed;
        }

        int next(int bound) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            return (int) ((s >>> 33) % bound);
        }
    }
}
