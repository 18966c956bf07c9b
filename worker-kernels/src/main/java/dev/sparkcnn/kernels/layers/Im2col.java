package dev.sparkcnn.kernels.layers;

import java.util.Arrays;

/**
 * Lowering of one image for convolution: im2col copies every receptive field into a column so
 * that the convolution becomes one matrix product, and col2im adds the columns back (its adjoint).
 *
 * <pre>
 *   image: (C, H, W) at imgOff
 *   cols:  (C*kh*kw, outH*outW), row r = (c*kh + i)*kw + j holds input pixel
 *          (c, oy*sh - ph + i*dh, ox*sw - pw + j*dw) at column oy*outW + ox, 0 outside the image
 * </pre>
 */
final class Im2col {

    private Im2col() {
    }

    static void im2col(float[] img, int imgOff, int c, int h, int w, Window g, float[] cols) {
        int outH = g.outH(), outW = g.outW(), plane = outH * outW;
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int chOff = imgOff + ch * h * w;
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, row++) {
                    int colBase = row * plane;
                    int dx = j * g.dw() - g.pw();
                    int lo = firstInside(dx, g.sw());             // first ox with ix >= 0
                    int hi = lastInside(dx, g.sw(), w, outW);     // one past the last ox with ix < w
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * g.sh() - g.ph() + i * g.dh();
                        int dst = colBase + oy * outW;
                        if (iy < 0 || iy >= h || lo >= hi) {
                            Arrays.fill(cols, dst, dst + outW, 0f);
                            continue;
                        }
                        int src = chOff + iy * w;
                        if (lo > 0) Arrays.fill(cols, dst, dst + lo, 0f);
                        if (g.sw() == 1) {
                            System.arraycopy(img, src + lo + dx, cols, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) cols[dst + ox] = img[src + ox * g.sw() + dx];
                        }
                        if (hi < outW) Arrays.fill(cols, dst + hi, dst + outW, 0f);
                    }
                }
            }
        }
    }

    /** img(C,H,W) at imgOff = sum of the columns' contributions (overwrites the image region). */
    static void col2im(float[] cols, int colsOff, int c, int h, int w, Window g, float[] img, int imgOff) {
        Arrays.fill(img, imgOff, imgOff + c * h * w, 0f);
        int outH = g.outH(), outW = g.outW(), plane = outH * outW;
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int chOff = imgOff + ch * h * w;
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, row++) {
                    int colBase = colsOff + row * plane;
                    int dx = j * g.dw() - g.pw();
                    int lo = firstInside(dx, g.sw());
                    int hi = lastInside(dx, g.sw(), w, outW);
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * g.sh() - g.ph() + i * g.dh();
                        if (iy < 0 || iy >= h) continue;
                        int src = colBase + oy * outW;
                        int dst = chOff + iy * w + dx;
                        int sw = g.sw();
                        for (int ox = lo; ox < hi; ox++) img[dst + ox * sw] += cols[src + ox];
                    }
                }
            }
        }
    }

    // smallest ox >= 0 with ox*s + dx >= 0
    private static int firstInside(int dx, int s) {
        return dx >= 0 ? 0 : (-dx + s - 1) / s;
    }

    // one past the largest ox < outW with ox*s + dx <= w - 1
    private static int lastInside(int dx, int s, int w, int outW) {
        int limit = w - 1 - dx;
        if (limit < 0) return 0;
        return Math.min(outW, limit / s + 1);
    }
}
