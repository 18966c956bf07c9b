package dev.sparkcnn.jobs.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A line chart as an inline SVG string: line series, x/y axes with "nice" ticks (1, 2, 5 times a power of ten),
 * axis labels, a title and a legend. No JavaScript and no external resources, so it can sit inside a
 * self-contained HTML page.
 *
 * <p>Each series becomes one {@code <polyline class="series">} whose {@code points} list every finite (x, y)
 * pair in order; points with a non-finite coordinate are left out. Series with few points also get a
 * {@code <circle>} marker per point so that a single epoch is still visible. A chart with no finite point
 * at all says "no data yet".
 *
 * <pre>
 *   String svg = new SvgChart("Loss", "step", "loss")
 *       .add(SvgChart.line("train loss", "#1f77b4", steps, losses))
 *       .toSvg();
 * </pre>
 *
 * <p>Options for a scatter plot: {@link #scatter()} draws every point as a {@code <circle class="point">} and no
 * lines; {@link #logX()} puts x on a log-10 axis (ticks at powers of ten, non-positive x left out);
 * {@link #xCategories} makes x the index of a named category, labelled with the names.
 */
public final class SvgChart {

    /** One line: its legend name, CSS colour, stroke width in px, whether dashed, opacity 0..1, and data (x[i], y[i]). */
    public record Series(String name, String color, double width, boolean dashed, double opacity, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but " + y.length
                        + " y values; they must pair up");
            }
        }
    }

    /** Series with this many points or fewer are drawn with a marker per point. */
    static final int MARKER_LIMIT = 40;

    /** Clip-path ids must be unique within a page that holds several charts. */
    private static final AtomicLong CLIP_IDS = new AtomicLong();

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private int width = 520;
    private int height = 320;
    private Double yMin;
    private Double yMax;
    private int legendRows;
    private boolean scatter;
    private boolean logX;
    private List<String> categories;

    public SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A solid line of width 2. */
    public static Series line(String name, String color, double[] x, double[] y) {
        return new Series(name, color, 2, false, 1, x, y);
    }

    public SvgChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Size of the whole SVG in px (the plot area is this minus margins for title, legend and axes). */
    public SvgChart size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** Always include this y interval (e.g. 0..1 for an accuracy), widened if the data go beyond it. */
    public SvgChart yRange(double min, double max) {
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    /** Points only: a marker per point, no connecting lines (whatever the number of points). */
    public SvgChart scatter() {
        this.scatter = true;
        return this;
    }

    /** A log-10 x axis with ticks at powers of ten; points with x &lt;= 0 are left out. */
    public SvgChart logX() {
        this.logX = true;
        return this;
    }

    /** x values are indices 0..n-1 of these names; the ticks show the names. */
    public SvgChart xCategories(List<String> names) {
        this.categories = List.copyOf(names);
        return this;
    }

    /** x as plotted: log10 on a log axis (NaN for x &lt;= 0, so the point is skipped). */
    private double xOf(double x) {
        if (!logX) return x;
        return x > 0 ? Math.log10(x) : Double.NaN;
    }

    /** Tick positions on the (possibly log) x axis. */
    private double[] xTicks(double[] xr) {
        if (categories != null) {
            double[] t = new double[categories.size()];
            for (int i = 0; i < t.length; i++) t[i] = i;
            return t;
        }
        if (!logX) return niceTicks(xr[0], xr[1], 7);
        int lo = (int) Math.floor(xr[0] + 1e-9), hi = (int) Math.ceil(xr[1] - 1e-9);
        if (hi <= lo) hi = lo + 1;
        double[] t = new double[hi - lo + 1];
        for (int i = 0; i < t.length; i++) t[i] = lo + i;
        return t;
    }

    private String xTickLabel(double t, String linearFormat) {
        if (categories != null) return categories.get((int) Math.round(t));
        if (!logX) return String.format(Locale.ROOT, linearFormat, t);
        int e = (int) Math.round(t);
        if (e >= -4 && e <= 5) return java.math.BigDecimal.ONE.scaleByPowerOfTen(e).toPlainString();
        return "1e" + e;
    }

    public String toSvg() {
        // plot area in SVG px: left, top, right, bottom
        final double left = 62, right = width - 16, bottom = height - 44;
        String legend = legend(left, right);
        final double top = 34 + 16 * legendRows;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT,
                "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
                width, height, width, height, Html.escape(title)));
        b.append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" fill=\"#fff\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"20\" class=\"chart-title\" font-size=\"15\" font-weight=\"600\">%s</text>\n",
                left, Html.escape(title)));

        double[] xr = range(true), yr = range(false);
        if (xr == null) {
            b.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
                    left, top, right - left, bottom - top));
            b.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\" class=\"no-data\">no data yet</text>\n",
                    (left + right) / 2, (top + bottom) / 2));
            return b.append("</svg>\n").toString();
        }
        if (yMin != null) {
            yr[0] = Math.min(yr[0], yMin);
            yr[1] = Math.max(yr[1], yMax);
        }
        double[] xt = xTicks(xr), yt = niceTicks(yr[0], yr[1], 6);
        double x0 = xt[0], x1 = xt[xt.length - 1], y0 = yt[0], y1 = yt[yt.length - 1];
        if (categories != null) {
            // half a slot of room either side of the first and last category
            x0 = -0.5;
            x1 = Math.max(categories.size(), 1) - 0.5;
        }
        final double fx0 = x0, fx1 = x1;
        Scale sx = v -> left + (v - fx0) / (fx1 - fx0) * (right - left);
        Scale sy = v -> bottom - (v - y0) / (y1 - y0) * (bottom - top);

        // grid, ticks and tick labels
        b.append("<g class=\"axes\" font-size=\"11\" fill=\"#444\">\n");
        String xFormat = tickFormat(xt), yFormat = tickFormat(yt);
        for (double t : xt) {
            double px = sx.at(t);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                    px, top, px, bottom, px, bottom, px, bottom + 5, px, bottom + 17, Html.escape(xTickLabel(t, xFormat))));
        }
        for (double t : yt) {
            double py = sy.at(t);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    left, py, right, py, left - 5, py, left, py, left - 8, py + 4, String.format(Locale.ROOT, yFormat, t)));
        }
        b.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
                left, top, right - left, bottom - top));
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n",
                (left + right) / 2, (double) height - 8, Html.escape(xLabel)));
        b.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 %.1f)\">%s</text>\n",
                (top + bottom) / 2, (top + bottom) / 2, Html.escape(yLabel)));
        b.append("</g>\n");

        // the series, clipped to the plot area in case a fixed y range cuts them
        String clip = "plot-clip-" + CLIP_IDS.incrementAndGet();
        b.append(String.format(Locale.ROOT,
                "<clipPath id=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n",
                clip, left, top - 4, right - left + 4, bottom - top + 8));
        b.append("<g clip-path=\"url(#").append(clip).append(")\">\n");
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            StringBuilder markers = new StringBuilder();
            int n = 0;
            for (int i = 0; i < s.x().length; i++) {
                double xv = xOf(s.x()[i]);
                if (!Double.isFinite(xv) || !Double.isFinite(s.y()[i])) continue;
                double px = sx.at(xv), py = sy.at(s.y()[i]);
                if (n++ > 0) points.append(' ');
                points.append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                markers.append(String.format(Locale.ROOT, "<circle%s cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"%s/>",
                        scatter ? " class=\"point\"" : "", px, py, scatter ? "4" : "3", Html.escape(s.color()),
                        scatter ? String.format(Locale.ROOT, " fill-opacity=\"%.2f\"", Math.max(0.3, s.opacity() * 0.8)) : ""));
            }
            if (n == 0) continue;
            if (scatter) {
                b.append("<g class=\"points\" data-name=\"").append(Html.escape(s.name())).append("\">").append(markers).append("</g>\n");
                continue;
            }
            b.append(String.format(Locale.ROOT,
                    "<polyline class=\"series\" data-name=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-opacity=\"%.2f\" stroke-linejoin=\"round\"%s points=\"%s\"/>\n",
                    Html.escape(s.name()), Html.escape(s.color()), s.width(), s.opacity(),
                    s.dashed() ? " stroke-dasharray=\"6 4\"" : "", points));
            if (n <= MARKER_LIMIT) b.append("<g class=\"markers\">").append(markers).append("</g>\n");
        }
        b.append("</g>\n");

        b.append("<g class=\"legend\" font-size=\"11\" fill=\"#333\">\n").append(legend).append("</g>\n");
        return b.append("</svg>\n").toString();
    }

    /**
     * The legend in the top margin below the title: entries left to right from the plot's left edge, wrapping
     * to a new row of 16 px when the next would pass the right edge (text width estimated at 6.6 px per
     * character of 11 px text). Sets {@link #legendRows}.
     */
    private String legend(double left, double right) {
        StringBuilder b = new StringBuilder();
        double x = left;
        int row = 0;
        for (Series s : series) {
            double w = s.name().length() * 6.6 + 34;
            if (x > left && x + w > right) {
                row++;
                x = left;
            }
            double y = 34 + 16 * row;
            if (scatter) {
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                        x + 9, y - 4, Html.escape(s.color()), x + 22, y, Html.escape(s.name())));
                x += w;
                continue;
            }
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s stroke-opacity=\"%.2f\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                    x, y - 4, x + 18, y - 4, Html.escape(s.color()), Math.max(2, s.width()),
                    s.dashed() ? " stroke-dasharray=\"6 4\"" : "", Math.max(0.5, s.opacity()), x + 22, y, Html.escape(s.name())));
            x += w;
        }
        legendRows = series.isEmpty() ? 0 : row + 1;
        return b.toString();
    }

    /**
     * Tick positions covering [min, max]: a step of 1, 2 or 5 times a power of ten near (max - min) / (maxTicks - 1),
     * the first tick at or below min and the last at or above max (after Heckbert's "nice numbers"), so
     * about maxTicks ticks, a couple more when rounding the ends outwards adds them.
     */
    public static double[] niceTicks(double min, double max, int maxTicks) {
        if (!(max > min)) {
            // one distinct value: open an interval around it
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double step = niceNumber((max - min) / Math.max(1, maxTicks - 1));
        double first = Math.floor(min / step) * step, last = Math.ceil(max / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] ticks = new double[n];
        for (int i = 0; i < n; i++) {
            ticks[i] = first + i * step;
            if (Math.abs(ticks[i]) < step * 1e-9) ticks[i] = 0;   // no "-0" or 1e-17 from rounding
        }
        return ticks;
    }

    /** 1, 2, 5 or 10 times a power of ten, whichever is nearest to x. */
    static double niceNumber(double x) {
        double exp = Math.floor(Math.log10(x));
        double f = x / Math.pow(10, exp);
        double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return nice * Math.pow(10, exp);
    }

    /** A format with just enough decimals to tell the ticks apart. */
    static String tickFormat(double[] ticks) {
        if (ticks.length < 2) return "%.0f";
        double step = ticks[1] - ticks[0];
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        return "%." + Math.min(decimals, 8) + "f";
    }

    /** [min, max] of the finite x (or y) values of all series, or null if there is none. */
    private double[] range(boolean ofX) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double xv = xOf(s.x()[i]);
                if (!Double.isFinite(xv) || !Double.isFinite(s.y()[i])) continue;
                double v = ofX ? xv : s.y()[i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo <= hi ? new double[]{lo, hi} : null;
    }

    private interface Scale {
        double at(double v);
    }
}
