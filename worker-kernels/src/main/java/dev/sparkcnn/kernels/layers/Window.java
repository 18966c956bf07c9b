package dev.sparkcnn.kernels.layers;

import java.util.Locale;

/**
 * The sliding-window geometry shared by convolution and pooling, one spatial axis at a time:
 * kernel size F, stride S, zero padding P, dilation D over an input of size W gives
 * {@code out = (W + 2P - D(F-1) - 1)/S + 1}, i.e. {@code (W - F + 2P)/S + 1} without dilation.
 *
 * <p>A fraction is an error unless the spec asks for a rounding mode ({@code round=floor} as
 * PyTorch does silently, or {@code round=ceil} as Caffe pooling does).
 */
public record Window(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int outH, int outW) {

    public enum Rounding { EXACT, FLOOR, CEIL }

    public static Window of(int inH, int inW, int kh, int kw, int sh, int sw, int ph, int pw,
                            int dh, int dw, Rounding rounding) {
        requirePositive("size", kh, kw);
        requirePositive("stride", sh, sw);
        requirePositive("dilation", dh, dw);
        if (ph < 0 || pw < 0) {
            throw new ShapeException("padding must be >= 0, got " + ph + (ph == pw ? "" : "x" + pw));
        }
        int outH = axis("height", inH, kh, sh, ph, dh, rounding);
        int outW = axis("width", inW, kw, sw, pw, dw, rounding);
        return new Window(kh, kw, sh, sw, ph, pw, dh, dw, outH, outW);
    }

    private static void requirePositive(String what, int a, int b) {
        if (a <= 0 || b <= 0) {
            throw new ShapeException(what + " must be positive, got " + a + (a == b ? "" : "x" + b));
        }
    }

    private static int axis(String axis, int in, int f, int s, int p, int d, Rounding rounding) {
        int span = d * (f - 1) + 1;                 // receptive extent of one window
        int numerator = in + 2 * p - span;
        String formula = d == 1
                ? String.format(Locale.ROOT, "(W - F + 2P)/S + 1 with W=%d, F=%d, P=%d, S=%d: (%d - %d + 2*%d)/%d + 1",
                        in, f, p, s, in, f, p, s)
                : String.format(Locale.ROOT, "(W + 2P - D(F-1) - 1)/S + 1 with W=%d, F=%d, P=%d, S=%d, D=%d: (%d + 2*%d - %d*%d - 1)/%d + 1",
                        in, f, p, s, d, in, p, d, f - 1, s);
        if (numerator < 0) {
            throw new ShapeException(axis + ": the window (" + span + ") is larger than the padded input ("
                    + (in + 2 * p) + "); " + formula + " = " + fraction(numerator, s));
        }
        if (numerator % s != 0) {
            switch (rounding) {
                case FLOOR:
                    return numerator / s + 1;
                case CEIL: {
                    int out = (numerator + s - 1) / s + 1;
                    // as in Caffe/PyTorch ceil mode: the last window must start inside the input or left padding
                    if ((out - 1) * s >= in + p) out--;
                    return out;
                }
                default:
                    throw new ShapeException(axis + ": " + formula + " = " + fraction(numerator, s)
                            + " is not an integer; change size, stride or padding, or set round=floor or round=ceil");
            }
        }
        return numerator / s + 1;
    }

    private static String fraction(int numerator, int s) {
        double v = (double) numerator / s + 1;
        return v == Math.rint(v) ? Integer.toString((int) v) : String.format(Locale.ROOT, "%s", trim(v));
    }

    private static String trim(double v) {
        String t = String.format(Locale.ROOT, "%.4f", v);
        t = t.replaceAll("0+$", "");
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }

    /** "5x5", "3x5 stride 2 pad 1 dilation 2": only what differs from the defaults. */
    public String describe(boolean withDefaults) {
        StringBuilder b = new StringBuilder(pair(kh, kw));
        if (withDefaults || sh != 1 || sw != 1) b.append(" stride ").append(pair(sh, sw));
        if (ph != 0 || pw != 0) b.append(" pad ").append(pair(ph, pw));
        if (dh != 1 || dw != 1) b.append(" dilation ").append(pair(dh, dw));
        return b.toString();
    }

    private static String pair(int a, int b) {
        return a == b ? Integer.toString(a) : a + "x" + b;
    }
}
