package dev.sparkcnn.jobs.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunReportTest {

    private static final Pattern POLYLINE = Pattern.compile("<polyline[^>]*data-name=\"([^\"]*)\"[^>]* points=\"([^\"]*)\"");
    private static final Pattern PNG = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
    private static final Pattern COUNT = Pattern.compile("<text class=\"count\"[^>]*>(\\d+)</text>");

    @Test
    void chartsHaveOnePointPerRecord() {
        String html = RunReport.render(ReportFixtures.full());
        assertEquals(3, count(html, "<svg class=\"chart\""), "loss, accuracy and throughput charts");
        Map<String, Integer> points = polylinePoints(html);
        // 50 steps, moving average window 50/20 = 2 steps, 5 epochs
        assertEquals(50, points.get("train loss (step)"));
        assertEquals(50, points.get("moving average (2 steps)"));
        assertEquals(5, points.get("train loss (epoch)"));
        assertEquals(5, points.get("test loss (epoch)"));
        assertEquals(5, points.get("train accuracy"));
        assertEquals(5, points.get("test accuracy"));
        assertEquals(50, points.get("per step"));
        assertEquals(8, count(html, "<polyline "), "series: " + points.keySet() + " and the throughput's moving average");
        assertFalse(html.contains("no data yet"));
        assertTrue(html.contains("<td>compute</td><td class=\"num\">80.0</td><td class=\"num\">80%</td>"), "phase table");
    }

    @Test
    void pointsAreOrderedByStepAndLaterDuplicatesWin() {
        // a resumed run logs steps 3..4 again after a restart from the step-2 checkpoint
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (long s : new long[]{1, 2, 3, 4, 3, 4, 5}) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", "step");
            r.put("step", s);
            r.put("loss", metrics.size() >= 4 ? 1.0 : 2.0);
            metrics.add(r);
        }
        ReportData d = new ReportData();
        d.metrics = metrics;
        RunReport.Metrics m = RunReport.Metrics.of(d.metrics);
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0), boxed(m.steps));
        assertEquals(List.of(2.0, 2.0, 1.0, 1.0, 1.0), boxed(m.stepLoss));
        String html = RunReport.render(d);
        assertEquals(5, polylinePoints(html).get("train loss (step)"));
        String points = pointsOf(html, "train loss (step)");
        double previous = Double.NEGATIVE_INFINITY;
        for (String p : points.split(" ")) {
            double x = Double.parseDouble(p.split(",")[0]);
            assertTrue(x > previous, "x increases along the line: " + points);
            previous = x;
        }
    }

    @Test
    void confusionMatrixShowsEveryCountAndClassName() {
        String html = RunReport.render(ReportFixtures.full());
        long[][] c = ReportFixtures.confusion();
        List<Long> counts = new ArrayList<>();
        Matcher m = COUNT.matcher(html);
        while (m.find()) counts.add(Long.parseLong(m.group(1)));
        List<Long> expected = new ArrayList<>();
        for (long[] row : c) for (long v : row) expected.add(v);
        assertEquals(expected, counts, "counts in row-major order, rows = true class");
        for (String name : ReportFixtures.CIFAR_CLASSES) {
            assertTrue(html.contains("class=\"row-label\"") && html.contains(">" + name + "</text>"), name);
            assertEquals(2, count(html, ">" + name + "</text>"), name + " labels a row and a column");
            assertTrue(html.contains("<tr><td>" + name + "</td>"), name + " in the per-class table");
        }
        // row 3 (cat): 1033 correct of 1000 + sum_k (30 + k) = 1345
        assertTrue(html.contains("<tr><td>cat</td><td class=\"num\">1033 / 1345</td><td class=\"num\">76.8%</td>"), "cat row");
        // the diagonal is the darkest cell of each row, off-diagonal cells are light
        assertTrue(html.contains("fill=\"" + RunReport.blues(1033.0 / 1345) + "\""));
        assertEquals("#f7fbff", RunReport.blues(0));
        assertEquals("#08306b", RunReport.blues(1));
    }

    @Test
    void confusionComesFromTheLastEpochRecordWhenNotGiven() {
        ReportData d = new ReportData();
        d.metrics = new ArrayList<>(ReportFixtures.metrics(20, 10));
        Map<String, Object> last = d.metrics.get(d.metrics.size() - 1);
        last.put("confusion", List.of(List.of(7L, 1L), List.of(2L, 9L)));
        String html = RunReport.render(d);
        List<String> counts = new ArrayList<>();
        Matcher m = COUNT.matcher(html);
        while (m.find()) counts.add(m.group(1));
        assertEquals(List.of("7", "1", "2", "9"), counts);
        assertTrue(html.contains(">class 0</text>"), "labels without names are numbered");
    }

    @Test
    void imagesAreUpscaledPngsWithCorrectColours() throws IOException {
        String html = RunReport.render(ReportFixtures.full());
        List<BufferedImage> images = new ArrayList<>();
        Matcher m = PNG.matcher(html);
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(img, "a decodable PNG");
            images.add(img);
        }
        assertEquals(3, images.size());
        for (BufferedImage img : images) {
            assertEquals(RunReport.IMAGE_SIZE, img.getWidth());
            assertEquals(RunReport.IMAGE_SIZE, img.getHeight());
        }
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(0xff0000, images.get(0).getRGB(x, y) & 0xffffff, "red image at " + x + "," + y);
                assertEquals(0x0000ff, images.get(1).getRGB(x, y) & 0xffffff, "blue image at " + x + "," + y);
                // gradient: red = 8 * column, green = 8 * row of the 32x32 source, each source pixel 2x2 here
                int expected = (8 * (x / 2)) << 16 | (8 * (y / 2)) << 8 | 100;
                assertEquals(expected, images.get(2).getRGB(x, y) & 0xffffff, "gradient at " + x + "," + y);
            }
        }
        assertTrue(html.contains("<figcaption>true: cat<br>predicted: dog</figcaption>"));
        assertTrue(html.contains("<figcaption>true: airplane<br>predicted: airplane</figcaption>"));
        assertEquals(1, count(html, "<figure class=\"wrong\">"));
        assertEquals(2, count(html, "<figure class=\"right\">"));
        assertTrue(html.contains("image-rendering: pixelated"));
    }

    @Test
    void atMostFortyImagesAreShown() {
        ReportData d = ReportFixtures.full();
        List<ReportImage> many = new ArrayList<>();
        for (int i = 0; i < 55; i++) many.add(new ReportImage(ReportFixtures.solid(i, i, i), i % 10, (i * 3) % 10));
        d.images = many;
        String html = RunReport.render(d);
        assertEquals(RunReport.MAX_IMAGES, count(html, "<figure "));
    }

    @Test
    void badImageBytesAreRejectedWithTheExpectedSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReportImage(new byte[100], 0, 0));
        assertTrue(e.getMessage().contains("3072"), e.getMessage());
    }

    @Test
    void textIsEscaped() {
        ReportData d = ReportFixtures.full();
        d.title = "<script>alert('x')</script> & co";
        d.model = "m\"odel";
        d.classNames = new ArrayList<>(ReportFixtures.CIFAR_CLASSES);
        d.classNames.set(3, "<b>cat</b>");
        d.figures.put("<i>key</i>", "<img src=x onerror=alert(1)>");
        String html = RunReport.render(d);
        assertFalse(html.contains("<script"), "no script element");
        assertFalse(html.contains("<b>cat"));
        assertFalse(html.contains("<i>key"));
        assertFalse(html.contains("<img src=x"));
        assertTrue(html.contains("<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</h1>"));
        assertTrue(html.contains("m&quot;odel"));
        assertTrue(html.contains("true: &lt;b&gt;cat&lt;/b&gt;<br>predicted: dog"));
        assertTrue(html.contains("<th>&lt;i&gt;key&lt;/i&gt;</th><td>&lt;img src=x onerror=alert(1)&gt;</td>"));
    }

    @Test
    void emptyDataRendersAPageThatSaysWhatIsMissing() {
        for (ReportData d : List.of(new ReportData(), emptyLists())) {
            String html = RunReport.render(d);
            assertTrue(html.startsWith("<!DOCTYPE html>") && html.endsWith("</html>\n"));
            assertEquals(3, count(html, "<svg class=\"chart\""));
            assertEquals(3, count(html, "no data yet"), "each chart says it has no data");
            assertFalse(html.contains("<polyline"));
            assertTrue(html.contains("No confusion matrix yet"));
            assertTrue(html.contains("No test images were given."));
            assertTrue(html.contains("<h1>Training run</h1>"));
        }
    }

    @Test
    void missingKeysLeaveOutTheirSeries() {
        ReportData d = new ReportData();
        d.metrics = new ArrayList<>();
        for (Map<String, Object> r : ReportFixtures.metrics(30, 10)) {
            Map<String, Object> copy = new LinkedHashMap<>(r);
            copy.remove("test_loss");
            copy.remove("test_accuracy");
            copy.remove("images_per_second");
            copy.remove("ms_step");
            if ("epoch".equals(copy.get("type"))) copy.put("train_loss", null);   // as the driver writes an empty epoch
            copy.put("lr", "not a number");
            d.metrics.add(copy);
        }
        String html = RunReport.render(d);
        Map<String, Integer> points = polylinePoints(html);
        assertEquals(30, points.get("train loss (step)"));
        assertEquals(3, points.get("train accuracy"));
        assertFalse(points.containsKey("train loss (epoch)"));
        assertFalse(points.containsKey("test loss (epoch)"));
        assertFalse(points.containsKey("test accuracy"));
        assertEquals(1, count(html, "no data yet"), "only the throughput chart is empty");
        assertFalse(html.contains("Mean time per step"));
    }

    @Test
    void pageIsSelfContained() {
        String html = RunReport.render(ReportFixtures.full());
        String withoutSvgNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertFalse(withoutSvgNamespace.contains("http:"));
        assertFalse(withoutSvgNamespace.contains("https:"));
        assertFalse(html.contains("<script"));
        assertFalse(html.contains("<link"));
        assertFalse(html.contains("url(http"));
    }

    @Test
    void longRunsAreThinned() {
        ReportData d = new ReportData();
        d.metrics = ReportFixtures.metrics(5000, 1000);
        Map<String, Integer> points = polylinePoints(RunReport.render(d));
        assertEquals(RunReport.MAX_LINE_POINTS, points.get("train loss (step)"));
        assertEquals(RunReport.MAX_LINE_POINTS, points.get("moving average (200 steps)"));
        assertEquals(5, points.get("train loss (epoch)"));
    }

    @Test
    void movingAverageIsTrailingAndSkipsGaps() {
        double[] avg = RunReport.movingAverage(new double[]{1, 3, Double.NaN, 5, 7}, 2);
        assertEquals(List.of(1.0, 2.0, 3.0, 5.0, 6.0), boxed(avg));
    }

    @Test
    void writeCreatesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run/report.html");
        RunReport.write(file, ReportFixtures.full());
        String html = Files.readString(file);
        assertTrue(html.contains("<h1>run-2024-quick</h1>"));
        assertTrue(html.contains("cifar10-quick"));
        assertTrue(html.contains("<th>throughput</th><td>1,000 images/s</td>"));
    }

    private static ReportData emptyLists() {
        ReportData d = new ReportData();
        d.title = " ";
        d.metrics = List.of();
        d.classNames = List.of();
        d.images = List.of();
        d.figures = new LinkedHashMap<>();
        d.confusion = new long[0][];
        return d;
    }

    static Map<String, Integer> polylinePoints(String html) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = POLYLINE.matcher(html);
        while (m.find()) out.put(m.group(1), m.group(2).isEmpty() ? 0 : m.group(2).split(" ").length);
        return out;
    }

    private static String pointsOf(String html, String name) {
        Matcher m = POLYLINE.matcher(html);
        while (m.find()) if (m.group(1).equals(name)) return m.group(2);
        throw new AssertionError("no series " + name);
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) n++;
        return n;
    }

    private static List<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double d : v) out.add(d);
        return out;
    }
}
