package dev.sparkcnn.driver.data;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder's size and colour policy against independent computations, and its refusals. */
class ImageDecoderTest {

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static BufferedImage pattern(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 % 256) << 16 | (y * 5 % 256) << 8 | ((x + y) % 256));
        return img;
    }

    @Test
    void anImageOfTheModelsSizeIsTakenAsItIs() throws IOException {
        BufferedImage img = pattern(48, 40);
        byte[] out = new byte[3 * 40 * 48];
        new ImageDecoder(3, 40, 48, 1 << 20).decode(png(img), "test image", out, 0);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                int rgb = img.getRGB(x, y);
                assertEquals(rgb >> 16 & 0xff, out[y * 48 + x] & 0xff);
                assertEquals(rgb >> 8 & 0xff, out[40 * 48 + y * 48 + x] & 0xff);
                assertEquals(rgb & 0xff, out[2 * 40 * 48 + y * 48 + x] & 0xff);
            }
        }
    }

    @Test
    void aWideImageIsCentreCroppedThenResized() throws IOException {
        // 64x32 -> 16x16: the centred 32x32 window (columns 16..47), halved: each output pixel averages a 2x2 block
        BufferedImage img = pattern(64, 32);
        byte[] out = new byte[3 * 16 * 16];
        new ImageDecoder(3, 16, 16, 1 << 20).decode(png(img), "wide", out, 0);
        double worst = 0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double mean = 0;
                    for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) mean += img.getRGB(16 + 2 * x + dx, 2 * y + dy) >> shift & 0xff;
                    mean /= 4;
                    worst = Math.max(worst, Math.abs(mean - (out[c * 256 + y * 16 + x] & 0xff)));
                }
            }
        }
        System.out.println("centre crop + 2x reduction: largest difference from the 2x2 means " + worst);
        assertTrue(worst <= 0.5, "bilinear at pixel centres halving a window is the 2x2 mean (rounded): " + worst);
    }

    @Test
    void greyImagesGiveThreeEqualPlanesAndColourGivesLumaForOneChannel() throws IOException {
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) grey.getRaster().setSample(x, y, 0, 30 * x + y);
        byte[] rgb = new byte[3 * 64];
        new ImageDecoder(3, 8, 8, 1 << 20).decode(png(grey), "grey", rgb, 0);
        for (int p = 0; p < 64; p++) {
            assertEquals(rgb[p], rgb[64 + p]);
            assertEquals(rgb[p], rgb[128 + p]);
        }
        BufferedImage colour = pattern(8, 8);
        byte[] luma = new byte[64];
        new ImageDecoder(1, 8, 8, 1 << 20).decode(png(colour), "colour", luma, 0);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int v = colour.getRGB(x, y);
                long expected = Math.round(0.299 * (v >> 16 & 0xff) + 0.587 * (v >> 8 & 0xff) + 0.114 * (v & 0xff));
                assertEquals(expected, luma[y * 8 + x] & 0xff);
            }
        }
    }

    @Test
    void alphaIsDropped() throws IOException {
        BufferedImage argb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) argb.setRGB(x, y, (x * 60) << 24 | 200 << 16 | 100 << 8 | 50);
        byte[] out = new byte[48];
        new ImageDecoder(3, 4, 4, 1 << 20).decode(png(argb), "argb", out, 0);
        for (int p = 0; p < 16; p++) assertArrayEquals(new int[] {200, 100, 50}, new int[] {out[p] & 0xff, out[16 + p] & 0xff, out[32 + p] & 0xff});
    }

    /** A PNG whose header declares w x h pixels (the rest is not there): what an image bomb looks like before decoding. */
    static byte[] declaredPng(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        b.putInt(13);
        int from = b.position();
        b.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), from, 17);
        b.putInt((int) crc.getValue());
        b.putInt(0).put(new byte[] {'I', 'E', 'N', 'D'});
        CRC32 end = new CRC32();
        end.update(new byte[] {'I', 'E', 'N', 'D'});
        b.putInt((int) end.getValue());
        return b.array();
    }

    @Test
    void anImageBombIsRefusedFromItsHeaderNamingTheFile() {
        DataException e = assertThrows(DataException.class,
                () -> new ImageDecoder(3, 32, 32, 4096L * 4096).decode(declaredPng(100_000, 100_000), "image bomb.png", new byte[3072], 0));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().startsWith("image bomb.png declares 100000x100000 = 10,000,000,000 pixels, more than the cap of 16,777,216"),
                e.getMessage());
        assertTrue(!(e instanceof ImageDecoder.UnreadableImageException), "a bomb is not 'unreadable': skipping must not hide it");
    }

    @Test
    void bytesThatAreNoImageAreUnreadableNamingTheFile() {
        ImageDecoder.UnreadableImageException e = assertThrows(ImageDecoder.UnreadableImageException.class,
                () -> new ImageDecoder(3, 32, 32, 1 << 20).decode("not an image".getBytes(), "notes.png", new byte[3072], 0));
        assertTrue(e.getMessage().startsWith("notes.png is not an image javax.imageio can read"), e.getMessage());
        ImageDecoder.UnreadableImageException truncated = assertThrows(ImageDecoder.UnreadableImageException.class,
                () -> new ImageDecoder(3, 32, 32, 1 << 20).decode(declaredPng(32, 32), "truncated.png", new byte[3072], 0));
        assertTrue(truncated.getMessage().startsWith("truncated.png is not a readable image"), truncated.getMessage());
    }
}
