package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.metrics.MetricsLog;
import dev.sparkcnn.jobs.report.ReportData;
import dev.sparkcnn.jobs.report.RunReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report reads metrics.jsonl as the driver's MetricsLog writes it, and names the line it cannot read. */
class ReportMetricsTest {

    @Test
    void readsWhatTheDriverWrites(@TempDir java.nio.file.Path dir) throws IOException {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "step");
        step.put("step", 12L);
        step.put("epoch", 0);
        step.put("loss", 2.302585092994046);
        step.put("lr", 1e-5);
        step.put("images_per_second", 1234.5);
        Map<String, Object> epoch = new LinkedHashMap<>();
        epoch.put("type", "epoch");
        epoch.put("epoch", 1);
        epoch.put("train_loss", null);
        epoch.put("test_loss", Double.NaN);
        epoch.put("test_accuracy", -0.25);
        epoch.put("test_per_class_accuracy", new double[] {0.5, 0.75});
        epoch.put("confusion", new long[][] {{3, 1}, {0, 4}});
        epoch.put("note", "tab\there \"quoted\" back\\slash \u00e9 \u0001");
        epoch.put("resumed", true);
        Path file = new Path(dir.resolve("metrics.jsonl").toString());
        Configuration conf = new Configuration();
        try (MetricsLog log = new MetricsLog(file.toString(), conf, false)) {
            log.write(step);
            log.write(epoch);
        }
        List<Map<String, Object>> records = Reports.readMetrics(FileSystem.getLocal(conf), file);
        assertEquals(2, records.size());
        Map<String, Object> s = records.get(0);
        assertEquals(List.of("type", "step", "epoch", "loss", "lr", "images_per_second"), new ArrayList<>(s.keySet()));
        assertEquals("step", s.get("type"));
        assertEquals(12L, s.get("step"));
        assertEquals(0L, s.get("epoch"));
        assertEquals(2.302585092994046, s.get("loss"), "doubles travel at full precision");
        assertEquals(1e-5, s.get("lr"));
        assertEquals(1234.5, s.get("images_per_second"));

        Map<String, Object> e = records.get(1);
        assertTrue(e.containsKey("train_loss"));
        assertNull(e.get("train_loss"));
        assertTrue(e.containsKey("test_loss"));
        assertNull(e.get("test_loss"), "NaN is written as null");
        assertEquals(-0.25, e.get("test_accuracy"));
        assertEquals(List.of(0.5, 0.75), e.get("test_per_class_accuracy"));
        assertEquals(List.of(List.of(3L, 1L), List.of(0L, 4L)), e.get("confusion"));
        assertEquals(epoch.get("note"), e.get("note"));
        assertEquals(Boolean.TRUE, e.get("resumed"));

        // and the report takes the confusion matrix from there
        ReportData d = new ReportData();
        d.metrics = records;
        String html = RunReport.render(d);
        assertEquals(4, html.split("<text class=\"count\"", -1).length - 1, "one count per confusion cell");
        assertTrue(html.contains("<tr><td>class 1</td><td class=\"num\">4 / 4</td>"), "per-class row of label 1");
    }

    @Test
    void malformedLineNamesFileAndLine(@TempDir java.nio.file.Path dir) throws IOException {
        java.nio.file.Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1}\n\n{\"type\":\"step\",\"step\":2}\n{\"type\":\"step\",\"step\":3,\n");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path path = new Path(file.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reports.readMetrics(fs, path));
        assertTrue(e.getMessage().startsWith(path + " line 4: "), e.getMessage());
        assertTrue(e.getMessage().contains("column"), e.getMessage());
    }
}
