package dev.sparkcnn.kernels.layers;

/**
 * Plain loop implementations in double precision, written straight from the definitions, that
 * the fast layers are compared against (in the spirit of CS231n's layers.py vs fast_layers.py).
 */
final class NaiveReference {

    private NaiveReference() {
    }

    /** y[n][k][oy][ox] = b[k] + sum_{c,i,j} w[k][c][i][j] * x[n][c][oy*sh - ph + i*dh][ox*sw - pw + j*dw]. */
    static double[] convForward(float[] x, int n, int c, int h, int w, float[] params, int k, Window g, boolean bias) {
        int oh = g.outH(), ow = g.outW();
        double[] y = new double[n * k * oh * ow];
        int wSize = c * g.kh() * g.kw();
        for (int s = 0; s < n; s++)
            for (int f = 0; f < k; f++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias ? params[k * wSize + f] : 0;
                        for (int ch = 0; ch < c; ch++)
                            for (int i = 0; i < g.kh(); i++)
                                for (int j = 0; j < g.kw(); j++) {
                                    int iy = oy * g.sh() - g.ph() + i * g.dh(), ix = ox * g.sw() - g.pw() + j * g.dw();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    acc += (double) params[f * wSize + (ch * g.kh() + i) * g.kw() + j]
                                            * x[((s * c + ch) * h + iy) * w + ix];
                                }
                        y[((s * k + f) * oh + oy) * ow + ox] = acc;
                    }
        return y;
    }

    /** Returns {dx, dparams} of the convolution for upstream gradient dy, by scattering each dy element. */
    static double[][] convBackward(float[] x, int n, int c, int h, int w, float[] params, int k, Window g, boolean bias, float[] dy) {
        int oh = g.outH(), ow = g.outW();
        int wSize = c * g.kh() * g.kw();
        double[] dx = new double[x.length];
        double[] dp = new double[params.length];
        for (int s = 0; s < n; s++)
            for (int f = 0; f < k; f++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double d = dy[((s * k + f) * oh + oy) * ow + ox];
                        if (bias) dp[k * wSize + f] += d;
                        for (int ch = 0; ch < c; ch++)
                            for (int i = 0; i < g.kh(); i++)
                                for (int j = 0; j < g.kw(); j++) {
                                    int iy = oy * g.sh() - g.ph() + i * g.dh(), ix = ox * g.sw() - g.pw() + j * g.dw();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    int wi = f * wSize + (ch * g.kh() + i) * g.kw() + j, xi = ((s * c + ch) * h + iy) * w + ix;
                                    dp[wi] += d * x[xi];
                                    dx[xi] += d * params[wi];
                                }
                    }
        return new double[][] {dx, dp};
    }

    /** Max or average over each window; padding never contributes (max ignores it, average excludes it). */
    static double[] pool(float[] x, int n, int c, int h, int w, Window g, boolean max) {
        int oh = g.outH(), ow = g.outW();
        double[] y = new double[n * c * oh * ow];
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double best = Double.NEGATIVE_INFINITY, sum = 0;
                    int count = 0;
                    for (int i = 0; i < g.kh(); i++)
                        for (int j = 0; j < g.kw(); j++) {
                            int iy = oy * g.sh() - g.ph() + i, ix = ox * g.sw() - g.pw() + j;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            double v = x[(p * h + iy) * w + ix];
                            best = Math.max(best, v);
                            sum += v;
                            count++;
                        }
                    y[(p * oh + oy) * ow + ox] = max ? best : sum / count;
                }
        return y;
    }

    /**
     * dx of max or average pooling for upstream dy: max sends each dy to the first maximum of its
     * window in row-major window order (padding never wins); average spreads it evenly over the
     * input pixels the window covers.
     */
    static double[] poolBackward(float[] x, int n, int c, int h, int w, Window g, boolean max, float[] dy) {
        int oh = g.outH(), ow = g.outW();
        double[] dx = new double[n * c * h * w];
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double d = dy[(p * oh + oy) * ow + ox];
                    double best = Double.NEGATIVE_INFINITY;
                    int bestAt = -1, count = 0;
                    for (int i = 0; i < g.kh(); i++)
                        for (int j = 0; j < g.kw(); j++) {
                            int iy = oy * g.sh() - g.ph() + i, ix = ox * g.sw() - g.pw() + j;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            int at = (p * h + iy) * w + ix;
                            if (x[at] > best) {
                                best = x[at];
                                bestAt = at;
                            }
                            count++;
                        }
                    if (max) {
                        dx[bestAt] += d;
                    } else {
                        for (int i = 0; i < g.kh(); i++)
                            for (int j = 0; j < g.kw(); j++) {
                                int iy = oy * g.sh() - g.ph() + i, ix = ox * g.sw() - g.pw() + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                dx[(p * h + iy) * w + ix] += d / count;
                            }
                    }
                }
        return dx;
    }
}
