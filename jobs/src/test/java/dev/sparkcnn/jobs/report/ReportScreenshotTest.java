package dev.sparkcnn.jobs.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Renders a report in headless Chromium and checks the screenshot is a real page, not a blank or an error page.
 *
 * <p>Without a Chromium binary the test is skipped, unless {@code -Dsparkcnn.require.chromium=true}, which
 * turns the missing browser into a failure (for CI machines that are meant to have it). The binary is
 * {@code -Dsparkcnn.chromium=/path} if given, else the first of chromium, chromium-browser, google-chrome,
 * google-chrome-stable on the PATH. The screenshot and page are also copied to {@code target/report-screenshot/}.
 */
class ReportScreenshotTest {

    private static final int WIDTH = 1200, HEIGHT = 2400;
    private static final int PAGE_BACKGROUND = 0xf4f5f7;

    @Test
    void chromiumRendersTheReport(@TempDir Path dir) throws Exception {
        Optional<Path> chromium = findChromium();
        boolean required = Boolean.getBoolean("sparkcnn.require.chromium");
        if (chromium.isEmpty()) {
            String given = System.getProperty("sparkcnn.chromium");
            String why = given != null && !given.isBlank()
                    ? "no Chromium binary found: -Dsparkcnn.chromium=" + given + " is not an executable file"
                    : "no Chromium binary found (looked for chromium, chromium-browser, google-chrome, "
                    + "google-chrome-stable on PATH=" + System.getenv("PATH") + ")";
            if (required) fail(why + ", but -Dsparkcnn.require.chromium=true; install it, e.g. apt-get install chromium");
            assumeTrue(false, why + "; skipping the screenshot test");
        }

        Path html = dir.resolve("report.html");
        RunReport.write(html, ReportFixtures.full());
        Path png = dir.resolve("report.png");
        List<String> command = List.of(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"),
                "--screenshot=" + png, "--window-size=" + WIDTH + "," + HEIGHT, html.toUri().toString());
        Path log = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 120 s: " + String.join(" ", command) + "\n" + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), "Chromium exit code; command: " + String.join(" ", command) + "\n" + Files.readString(log));
        assertTrue(Files.isRegularFile(png), "no screenshot written by: " + String.join(" ", command) + "\n" + Files.readString(log));

        Path keep = Paths.get("target", "report-screenshot");
        Files.createDirectories(keep);
        Files.copy(png, keep.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(html, keep.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);

        BufferedImage shot = ImageIO.read(png.toFile());
        assertNotNull(shot, "screenshot is not a readable PNG: " + png);
        assertEquals(WIDTH, shot.getWidth());
        assertEquals(HEIGHT, shot.getHeight());

        // a rendered report: our page background dominates, and there is plenty else (charts, heatmap, images)
        Map<Integer, Integer> histogram = new HashMap<>();
        for (int y = 0; y < HEIGHT; y++) for (int x = 0; x < WIDTH; x++) histogram.merge(shot.getRGB(x, y) & 0xffffff, 1, Integer::sum);
        int background = histogram.getOrDefault(PAGE_BACKGROUND, 0);
        int white = histogram.getOrDefault(0xffffff, 0);
        long other = (long) WIDTH * HEIGHT - background - white;
        assertTrue(background > WIDTH * HEIGHT / 20, "page background #f4f5f7 covers only " + background
                + " px: the report's CSS did not render (see " + keep.resolve("report.png").toAbsolutePath() + ")");
        assertTrue(histogram.size() > 200, "only " + histogram.size() + " distinct colours: a blank page?");
        assertTrue(other > WIDTH * HEIGHT / 50, "only " + other + " px are neither background nor white");
        assertTrue(histogram.containsKey(0xff0000), "the all-red test image is not on the screenshot");
    }

    private static Optional<Path> findChromium() {
        String given = System.getProperty("sparkcnn.chromium");
        if (given != null && !given.isBlank()) {
            Path p = Paths.get(given);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String d : path.split(File.pathSeparator)) {
                Path p = Paths.get(d, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
