package dev.sparkcnn.jobs.report;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgChartTest {

    @Test
    void niceTicksUseOneTwoFiveSteps() {
        assertArrayEquals(new double[]{0, 0.2, 0.4, 0.6, 0.8, 1.0}, SvgChart.niceTicks(0, 1, 6), 1e-12);
        assertArrayEquals(new double[]{0, 0.5, 1.0, 1.5, 2.0, 2.5}, SvgChart.niceTicks(0.13, 2.37, 6), 1e-12);
        assertArrayEquals(new double[]{0, 20, 40, 60, 80, 100, 120}, SvgChart.niceTicks(3, 117, 7), 1e-9);
        double[] one = SvgChart.niceTicks(5, 5, 6);   // a single value still gets an interval around it
        assertTrue(one[0] < 5 && one[one.length - 1] > 5);
        double[] small = SvgChart.niceTicks(1.234e-4, 1.9e-4, 5);
        assertTrue(small[0] <= 1.234e-4 && small[small.length - 1] >= 1.9e-4 && small.length <= 6);
        assertEquals("%.1f", SvgChart.tickFormat(new double[]{0, 0.5}));
        assertEquals("%.0f", SvgChart.tickFormat(new double[]{0, 20}));
    }

    @Test
    void polylineHasOnePointPerFiniteValue() {
        String svg = new SvgChart("t", "x", "y")
                .add(SvgChart.line("a", "#f00", new double[]{1, 2, 3, 4}, new double[]{1, Double.NaN, 3, 2}))
                .add(SvgChart.line("b & c", "#00f", new double[]{1, 2}, new double[]{0.5, 0.7}))
                .toSvg();
        Matcher m = Pattern.compile("<polyline[^>]*data-name=\"([^\"]*)\"[^>]* points=\"([^\"]*)\"").matcher(svg);
        assertTrue(m.find());
        assertEquals("a", m.group(1));
        assertEquals(3, m.group(2).split(" ").length);
        assertTrue(m.find());
        assertEquals("b &amp; c", m.group(1));
        assertEquals(2, m.group(2).split(" ").length);
        assertTrue(svg.contains(">b &amp; c</text>"), "legend entry");
        assertFalse(svg.contains("no data yet"));
    }

    @Test
    void chartWithoutDataSaysSo() {
        String svg = new SvgChart("Loss", "step", "loss")
                .add(SvgChart.line("a", "#f00", new double[]{1}, new double[]{Double.NaN}))
                .toSvg();
        assertTrue(svg.startsWith("<svg"));
        assertTrue(svg.contains("no data yet"));
        assertFalse(svg.contains("<polyline"));
    }
}
