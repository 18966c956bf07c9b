package dev.sparkcnn.kernels.layers;

import dev.sparkcnn.kernels.gemm.Gemm;
import dev.sparkcnn.kernels.gemm.VectorGemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd F(2x2, 3x3) for a "same" 3x3 convolution (stride 1, padding 1, dilation 1, even height
 * and width): forward, input gradient and weight gradient, each as 16 matrix products over
 * transformed 4x4 tiles instead of one over im2col columns: 16 multiplies per 2x2 outputs where
 * direct convolution makes 36 (2.25x fewer), for the price of the transforms, which only add.
 *
 * <pre>
 *   tile t = (image, ty, tx): input d = 4x4 of the padded image at (2ty, 2tx), output 2x2 at (2ty, 2tx)
 *   V = B^T d B    U = G g G^T    M = U (.) V (per tile and channel pair, summed over input channels)
 *   Y = A^T M A
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 *
 *   forward:  M[pos] (K x T) = U[pos] (K x C) . V[pos] (C x T)                for the 16 positions pos
 *   dx:       the forward of dy with the weights rotated by 180 degrees and C, K swapped
 *   dW:       dU[pos] (K x C) += dM[pos] (K x T) . V[pos]^T,  dM = A dy A^T,  dW = G^T dU G
 * </pre>
 * Tiles are taken a chunk of images at a time (about {@value #TILES} tiles: the transformed
 * chunk stays within L2) and the products go through the context's {@link Gemm}. The transforms
 * multiply by 0, +-1 and +-0.5 only; the result differs from the direct convolution by rounding
 * ({@code FastVersusNaiveTest} holds it to the same 1e-5 as every other path).
 */
final class Winograd {

    private static final VectorSpecies<Float> S = VectorGemm.species();

    /**
     * Target tiles per chunk: 64x8x8 forward 1.27 / 1.16 / 1.21 / 1.36 ms per batch of 64 with 128 /
     * 256 / 512 / 1024 (32x16x16: 1.77 / 1.62 / 1.70 / 1.76).
     */
    static final int TILES = 256;

    final int c, k, h, w;          // input channels, filters, image height and width (= output's)
    final int th, tw, tpi;         // tile rows, tile columns, tiles per image
    final int chunk, tc;           // images per chunk, most tiles in a chunk
    final int hp, wp;              // padded image
    final int ps;                  // floats between the 16 positions' matrices in v and m
    final int us;                  // the same in the weight matrices
    final float[] ut, urt;         // transformed weights [pos][C][K] (forward), rotated [pos][K][C] (input gradient)
    final float[] dut;             // weight gradient in the transformed domain, [pos][C][K]
    final float[] v, m;            // [pos][tile][channel]: transformed inputs, products (or transformed dy)
    final float[] xpc;             // one zero-padded image, channels last: ((hp * wp) x channels)
    final float[] cl;              // one image (an output, or dy), channels last: ((h * w) x channels)

    /**
     * True if this geometry runs as F(2x2, 3x3) with vectors of vl floats: 3x3, stride 1, padding 1,
     * no dilation, even height and width, channels and filters multiples of vl (the transforms
     * work on vl channels at a time).
     */
    static boolean fits(Window g, int inH, int inW, int c, int k, int vl) {
        return vl > 0 && c % vl == 0 && k % vl == 0
                && g.kh() == 3 && g.kw() == 3 && g.sh() == 1 && g.sw() == 1 && g.ph() == 1 && g.pw() == 1
                && g.dh() == 1 && g.dw() == 1 && g.outH() == inH && g.outW() == inW
                && inH % 2 == 0 && inW % 2 == 0;
    }

    Winograd(int c, int k, int h, int w, int capacity) {
        if (c % S.length() != 0 || k % S.length() != 0) {
            throw new IllegalArgumentException("Winograd: channels " + c + " and filters " + k + " must be multiples of " + S.length());
        }
        this.c = c;
        this.k = k;
        this.h = h;
        this.w = w;
        th = h / 2;
        tw = w / 2;
        tpi = th * tw;
        chunk = Math.max(1, Math.min(capacity, TILES / tpi));
        tc = chunk * tpi;
        hp = h + 2;
        wp = w + 2;
        int cmax = Math.max(c, k);
        // not a multiple of 4 KB apart: the transforms write (and read) the 16 positions of a tile at
        // once, and 16 streams a power of two apart fall into one L1 set (12 ways): 4x slower
        ps = cmax * tc + 16;
        us = k * c + 16;
        ut = new float[16 * us];
        urt = new float[16 * us];
        dut = new float[16 * us];
        v = new float[16 * ps];
        m = new float[16 * ps];
        xpc = new float[hp * wp * cmax];
        cl = new float[h * w * cmax];
    }

    // ---- passes ---------------------------------------------------------------------------------

    /** y (n, K, H, W) = conv(x) + bias (biasArr null: none). */
    void forward(Gemm gemm, float[] params, int wOff, float[] biasArr, int bOff, float[] x, float[] y, int n) {
        transformWeights(params, wOff, false);
        run(gemm, ut, c, k, x, y, n, biasArr, bOff);
    }

    /** dx (n, C, H, W) = the input gradient of dy (n, K, H, W): the forward of dy with rotated weights. */
    void inputGradient(Gemm gemm, float[] params, int wOff, float[] dy, float[] dx, int n) {
        transformWeights(params, wOff, true);
        run(gemm, urt, k, c, dy, dx, n, null, 0);
    }

    /** grads[wOff ..] (K x C x 3 x 3) += the weight gradient of dy (n, K, H, W) given x (n, C, H, W). */
    void weightGradient(Gemm gemm, float[] x, float[] dy, int n, float[] grads, int wOff) {
        int inSize = c * h * w, outSize = k * h * w;
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int imgs = Math.min(chunk, n - i0), t = imgs * tpi;
            for (int i = 0; i < imgs; i++) {
                padChannelsLast(x, (i0 + i) * inSize, c);
                transformInput(c, i * tpi);
                Passes.SCALAR.transposeIn(dy, (i0 + i) * outSize, k, h * w, cl);
                transformOutputGradient(i * tpi);
            }
            // dU^T[pos] (C x K) (+)= V[pos]^T (C x T) . dM[pos] (T x K)
            for (int pos = 0; pos < 16; pos++) {
                gemm.gemm(true, false, c, k, t, v, pos * ps, c, m, pos * ps, k, dut, pos * us, k, i0 > 0);
            }
        }
        // dW = G^T dU G per (filter, channel), added to the gradients
        for (int cc = 0; cc < c; cc++) {
            for (int kk = 0; kk < k; kk++) {
                int q = cc * k + kk;
                // Z (3 x 4) = G^T dU, column by column: Z0j = d0 + (d1 + d2)/2, Z1j = (d1 - d2)/2, Z2j = (d1 + d2)/2 + d3
                float z00 = zTop(dut, q, us, 0), z01 = zTop(dut, q, us, 1), z02 = zTop(dut, q, us, 2), z03 = zTop(dut, q, us, 3);
                float z10 = zMid(dut, q, us, 0), z11 = zMid(dut, q, us, 1), z12 = zMid(dut, q, us, 2), z13 = zMid(dut, q, us, 3);
                float z20 = zBottom(dut, q, us, 0), z21 = zBottom(dut, q, us, 1), z22 = zBottom(dut, q, us, 2), z23 = zBottom(dut, q, us, 3);
                // dW (3 x 3) = Z G, row by row the same combination
                int o = wOff + (kk * c + cc) * 9;
                grads[o] += z00 + 0.5f * (z01 + z02);
                grads[o + 1] += 0.5f * (z01 - z02);
                grads[o + 2] += 0.5f * (z01 + z02) + z03;
                grads[o + 3] += z10 + 0.5f * (z11 + z12);
                grads[o + 4] += 0.5f * (z11 - z12);
                grads[o + 5] += 0.5f * (z11 + z12) + z13;
                grads[o + 6] += z20 + 0.5f * (z21 + z22);
                grads[o + 7] += 0.5f * (z21 - z22);
                grads[o + 8] += 0.5f * (z21 + z22) + z23;
            }
        }
    }

    private static float zTop(float[] du, int q, int us, int j) {
        return du[j * us + q] + 0.5f * (du[(4 + j) * us + q] + du[(8 + j) * us + q]);
    }

    private static float zMid(float[] du, int q, int us, int j) {
        return 0.5f * (du[(4 + j) * us + q] - du[(8 + j) * us + q]);
    }

    private static float zBottom(float[] du, int q, int us, int j) {
        return 0.5f * (du[(4 + j) * us + q] + du[(8 + j) * us + q]) + du[(12 + j) * us + q];
    }

    /** out (n, cout, H, W) = the same convolution of in (n, cin, H, W) with transformed weights uw [pos][cin][cout]. */
    private void run(Gemm gemm, float[] uw, int cin, int cout, float[] in, float[] out, int n, float[] biasArr, int bOff) {
        int inSize = cin * h * w, outSize = cout * h * w;
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int imgs = Math.min(chunk, n - i0), t = imgs * tpi;
            for (int i = 0; i < imgs; i++) {
                padChannelsLast(in, (i0 + i) * inSize, cin);
                transformInput(cin, i * tpi);
            }
            // M[pos] (T x cout) = V[pos] (T x cin) . U[pos] (cin x cout)
            for (int pos = 0; pos < 16; pos++) {
                gemm.gemm(false, false, t, cout, cin, v, pos * ps, cin, uw, pos * us, cout, m, pos * ps, cout, false);
            }
            for (int i = 0; i < imgs; i++) {
                transformOutput(cout, i * tpi);
                Passes.SCALAR.transposeOut(cl, cout, h * w, out, (i0 + i) * outSize, biasArr, bOff);
            }
        }
    }

    // ---- transforms, vectorised over VL channels ------------------------------------------------

    /** xpc = image at x[off] (ch channels) zero-padded by one pixel, channels last. */
    private void padChannelsLast(float[] x, int off, int ch) {
        // the border (zero) is rewritten each time: ch differs between the forward and the input gradient
        java.util.Arrays.fill(xpc, 0, (wp + 1) * ch, 0f);
        java.util.Arrays.fill(xpc, ((hp - 1) * wp - 1) * ch, hp * wp * ch, 0f);
        // a plain transpose (gathers measured up to 10% faster on 64x8x8 but are only as good as the JIT's
        // inlining: left as the Java fallback they allocate, which happened to the same gathers in the
        // direct paths' transposes)
        for (int y = 0; y < h; y++) {
            int row = ((y + 1) * wp + 1) * ch;
            // the right border of this row and the left one of the next are adjacent
            java.util.Arrays.fill(xpc, row + w * ch, row + (w + 2) * ch, 0f);
            for (int cc = 0; cc < ch; cc++) {
                int src = off + cc * h * w + y * w;
                for (int xx = 0; xx < w; xx++) xpc[row + xx * ch + cc] = x[src + xx];
            }
        }
    }

    /** v[pos][t0 + tile][cc] = (B^T d B)[pos] for every tile of the padded image in xpc (ch channels). */
    private void transformInput(int ch, int t0) {
        int vl = S.length(), rowLen = wp * ch;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                int base = (2 * ty * wp + 2 * tx) * ch, t = (t0 + ty * tw + tx) * ch;
                for (int cb = 0; cb < ch; cb += vl) {
                    int r0 = base + cb, r1 = r0 + rowLen, r2 = r1 + rowLen, r3 = r2 + rowLen;
                    FloatVector a0 = FloatVector.fromArray(S, xpc, r0), a1 = FloatVector.fromArray(S, xpc, r0 + ch);
                    FloatVector a2 = FloatVector.fromArray(S, xpc, r0 + 2 * ch), a3 = FloatVector.fromArray(S, xpc, r0 + 3 * ch);
                    FloatVector b0 = FloatVector.fromArray(S, xpc, r1), b1 = FloatVector.fromArray(S, xpc, r1 + ch);
                    FloatVector b2 = FloatVector.fromArray(S, xpc, r1 + 2 * ch), b3 = FloatVector.fromArray(S, xpc, r1 + 3 * ch);
                    FloatVector c0 = FloatVector.fromArray(S, xpc, r2), c1 = FloatVector.fromArray(S, xpc, r2 + ch);
                    FloatVector c2 = FloatVector.fromArray(S, xpc, r2 + 2 * ch), c3 = FloatVector.fromArray(S, xpc, r2 + 3 * ch);
                    FloatVector d0 = FloatVector.fromArray(S, xpc, r3), d1 = FloatVector.fromArray(S, xpc, r3 + ch);
                    FloatVector d2 = FloatVector.fromArray(S, xpc, r3 + 2 * ch), d3 = FloatVector.fromArray(S, xpc, r3 + 3 * ch);
                    // B^T d, row by row: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (rows a, b, c, d of the tile)
                    FloatVector s0 = a0.sub(c0), s1 = a1.sub(c1), s2 = a2.sub(c2), s3 = a3.sub(c3);
                    FloatVector p0 = b0.add(c0), p1 = b1.add(c1), p2 = b2.add(c2), p3 = b3.add(c3);
                    FloatVector q0 = c0.sub(b0), q1 = c1.sub(b1), q2 = c2.sub(b2), q3 = c3.sub(b3);
                    FloatVector e0 = b0.sub(d0), e1 = b1.sub(d1), e2 = b2.sub(d2), e3 = b3.sub(d3);
                    // then times B, the same combination across each row
                    int o = t + cb;
                    s0.sub(s2).intoArray(v, o);
                    s1.add(s2).intoArray(v, o + ps);
                    s2.sub(s1).intoArray(v, o + 2 * ps);
                    s1.sub(s3).intoArray(v, o + 3 * ps);
                    p0.sub(p2).intoArray(v, o + 4 * ps);
                    p1.add(p2).intoArray(v, o + 5 * ps);
                    p2.sub(p1).intoArray(v, o + 6 * ps);
                    p1.sub(p3).intoArray(v, o + 7 * ps);
                    q0.sub(q2).intoArray(v, o + 8 * ps);
                    q1.add(q2).intoArray(v, o + 9 * ps);
                    q2.sub(q1).intoArray(v, o + 10 * ps);
                    q1.sub(q3).intoArray(v, o + 11 * ps);
                    e0.sub(e2).intoArray(v, o + 12 * ps);
                    e1.add(e2).intoArray(v, o + 13 * ps);
                    e2.sub(e1).intoArray(v, o + 14 * ps);
                    e1.sub(e3).intoArray(v, o + 15 * ps);
                }
            }
        }
    }

    /** cl ((H*W) x cout, channels last) = A^T M A of each tile of one image (tiles t0 ..). */
    private void transformOutput(int cout, int t0) {
        int vl = S.length();
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                int t = (t0 + ty * tw + tx) * cout;
                int out0 = (2 * ty * w + 2 * tx) * cout, out1 = out0 + w * cout;
                for (int kb = 0; kb < cout; kb += vl) {
                    int o = t + kb;
                    FloatVector m0 = FloatVector.fromArray(S, m, o), m1 = FloatVector.fromArray(S, m, o + ps);
                    FloatVector m2 = FloatVector.fromArray(S, m, o + 2 * ps), m3 = FloatVector.fromArray(S, m, o + 3 * ps);
                    FloatVector m4 = FloatVector.fromArray(S, m, o + 4 * ps), m5 = FloatVector.fromArray(S, m, o + 5 * ps);
                    FloatVector m6 = FloatVector.fromArray(S, m, o + 6 * ps), m7 = FloatVector.fromArray(S, m, o + 7 * ps);
                    FloatVector m8 = FloatVector.fromArray(S, m, o + 8 * ps), m9 = FloatVector.fromArray(S, m, o + 9 * ps);
                    FloatVector m10 = FloatVector.fromArray(S, m, o + 10 * ps), m11 = FloatVector.fromArray(S, m, o + 11 * ps);
                    FloatVector m12 = FloatVector.fromArray(S, m, o + 12 * ps), m13 = FloatVector.fromArray(S, m, o + 13 * ps);
                    FloatVector m14 = FloatVector.fromArray(S, m, o + 14 * ps), m15 = FloatVector.fromArray(S, m, o + 15 * ps);
                    // A^T M: rows 0 + 1 + 2 and 1 - 2 - 3, per column
                    FloatVector s00 = m0.add(m4).add(m8), s01 = m1.add(m5).add(m9), s02 = m2.add(m6).add(m10), s03 = m3.add(m7).add(m11);
                    FloatVector s10 = m4.sub(m8).sub(m12), s11 = m5.sub(m9).sub(m13), s12 = m6.sub(m10).sub(m14), s13 = m7.sub(m11).sub(m15);
                    // then times A, the same across each row
                    s00.add(s01).add(s02).intoArray(cl, out0 + kb);
                    s01.sub(s02).sub(s03).intoArray(cl, out0 + cout + kb);
                    s10.add(s11).add(s12).intoArray(cl, out1 + kb);
                    s11.sub(s12).sub(s13).intoArray(cl, out1 + cout + kb);
                }
            }
        }
    }

    /** m[pos][t0 + tile][kk] = (A g A^T)[pos] of each 2x2 tile g of one image's dy, channels last in cl. */
    private void transformOutputGradient(int t0) {
        int vl = S.length();
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                int t = (t0 + ty * tw + tx) * k;
                int in0 = (2 * ty * w + 2 * tx) * k, in1 = in0 + w * k;
                for (int kb = 0; kb < k; kb += vl) {
                    FloatVector g00 = FloatVector.fromArray(S, cl, in0 + kb), g01 = FloatVector.fromArray(S, cl, in0 + k + kb);
                    FloatVector g10 = FloatVector.fromArray(S, cl, in1 + kb), g11 = FloatVector.fromArray(S, cl, in1 + k + kb);
                    // A g, rows: g0, g0 + g1, g0 - g1, -g1; then the same across each row
                    FloatVector q0 = g00.add(g10), q1 = g01.add(g11);
                    FloatVector r0 = g00.sub(g10), r1 = g01.sub(g11);
                    FloatVector s0 = g10.neg(), s1 = g11.neg();
                    int o = t + kb;
                    g00.intoArray(m, o);
                    g00.add(g01).intoArray(m, o + ps);
                    g00.sub(g01).intoArray(m, o + 2 * ps);
                    g01.neg().intoArray(m, o + 3 * ps);
                    q0.intoArray(m, o + 4 * ps);
                    q0.add(q1).intoArray(m, o + 5 * ps);
                    q0.sub(q1).intoArray(m, o + 6 * ps);
                    q1.neg().intoArray(m, o + 7 * ps);
                    r0.intoArray(m, o + 8 * ps);
                    r0.add(r1).intoArray(m, o + 9 * ps);
                    r0.sub(r1).intoArray(m, o + 10 * ps);
                    r1.neg().intoArray(m, o + 11 * ps);
                    s0.intoArray(m, o + 12 * ps);
                    s0.add(s1).intoArray(m, o + 13 * ps);
                    s0.sub(s1).intoArray(m, o + 14 * ps);
                    s1.neg().intoArray(m, o + 15 * ps);
                }
            }
        }
    }

    /**
     * ut[pos][cc][kk] = (G g G^T)[pos] for W (K x C x 3 x 3) at params[wOff]; rotated: urt[pos][kk][cc]
     * from g rotated by 180 degrees (the input gradient's weights, C and K swapped).
     */
    private void transformWeights(float[] params, int wOff, boolean rotated) {
        float[] dst = rotated ? urt : ut;
        for (int kk = 0; kk < k; kk++) {
            for (int cc = 0; cc < c; cc++) {
                int s = wOff + (kk * c + cc) * 9;
                float g0, g1, g2, g3, g4, g5, g6, g7, g8;
                if (rotated) {
                    g0 = params[s + 8]; g1 = params[s + 7]; g2 = params[s + 6];
                    g3 = params[s + 5]; g4 = params[s + 4]; g5 = params[s + 3];
                    g6 = params[s + 2]; g7 = params[s + 1]; g8 = params[s];
                } else {
                    g0 = params[s]; g1 = params[s + 1]; g2 = params[s + 2];
                    g3 = params[s + 3]; g4 = params[s + 4]; g5 = params[s + 5];
                    g6 = params[s + 6]; g7 = params[s + 7]; g8 = params[s + 8];
                }
                // G g (4 x 3): rows g_0, (g_0 + g_1 + g_2) / 2, (g_0 - g_1 + g_2) / 2, g_2
                float r10 = 0.5f * (g0 + g3 + g6), r11 = 0.5f * (g1 + g4 + g7), r12 = 0.5f * (g2 + g5 + g8);
                float r20 = 0.5f * (g0 - g3 + g6), r21 = 0.5f * (g1 - g4 + g7), r22 = 0.5f * (g2 - g5 + g8);
                int q = rotated ? kk * c + cc : cc * k + kk;
                store(dst, q, 0, g0, g1, g2);
                store(dst, q, 4, r10, r11, r12);
                store(dst, q, 8, r20, r21, r22);
                store(dst, q, 12, g6, g7, g8);
            }
        }
    }

    /** One row of (G g) G^T: positions row .. row + 3 of the 16, at dst[pos * us + q]. */
    private void store(float[] dst, int q, int row, float a, float b, float cc) {
        dst[row * us + q] = a;
        dst[(row + 1) * us + q] = 0.5f * (a + b + cc);
        dst[(row + 2) * us + q] = 0.5f * (a - b + cc);
        dst[(row + 3) * us + q] = cc;
    }
}
