package dev.sparkcnn.jobs.report;

import dev.sparkcnn.driver.metrics.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsReaderTest {

    @Test
    void readsWhatTheDriverWrites(@TempDir Path dir) throws IOException {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "step");
        step.put("step", 12L);
        step.put("epoch", 0);
        step.put("loss", 2.302585);
        step.put("lr", 1e-5);
        step.put("images_per_second", 1234.5);
        Map<String, Object> epoch = new LinkedHashMap<>();
        epoch.put("type", "epoch");
        epoch.put("epoch", 1);
        epoch.put("train_loss", null);
        epoch.put("test_accuracy", -0.25);
        epoch.put("test_per_class_accuracy", new double[]{0.5, 0.75});
        epoch.put("confusion", new long[][]{{3, 1}, {0, 4}});
        epoch.put("note", "tab\there \"quoted\" back\\slash \u00e9 \u0001");
        epoch.put("resumed", true);
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, Json.object(step) + "\n\n" + Json.object(epoch) + "\n");

        List<Map<String, Object>> records = MetricsReader.read(file);
        assertEquals(2, records.size(), "the blank line is skipped");
        Map<String, Object> s = records.get(0);
        assertEquals(List.of("type", "step", "epoch", "loss", "lr", "images_per_second"), new ArrayList<>(s.keySet()));
        assertEquals("step", s.get("type"));
        assertEquals(12L, s.get("step"));
        assertEquals(0L, s.get("epoch"));
        assertEquals(2.302585, (Double) s.get("loss"), 1e-5);   // Json writes 6 significant digits
        assertEquals(1e-5, (Double) s.get("lr"), 1e-15);
        assertEquals(1234.5, (Double) s.get("images_per_second"), 1e-12);

        Map<String, Object> e = records.get(1);
        assertTrue(e.containsKey("train_loss"));
        assertNull(e.get("train_loss"));
        assertEquals(-0.25, (Double) e.get("test_accuracy"), 0);
        assertEquals(List.of(0.5, 0.75), e.get("test_per_class_accuracy"));
        assertEquals(List.of(List.of(3L, 1L), List.of(0L, 4L)), e.get("confusion"));
        assertEquals(epoch.get("note"), e.get("note"));
        assertEquals(Boolean.TRUE, e.get("resumed"));

        // and the report takes the confusion matrix from there
        ReportData d = new ReportData();
        d.metrics = records;
        String html = RunReport.render(d);
        assertEquals(4, RunReportTest.count(html, "<text class=\"count\""));
        assertTrue(html.contains("<tr><td>class 1</td><td class=\"num\">4 / 4</td>"), "per-class row of label 1");
    }

    @Test
    void parsesNestedObjectsAndOddSpacing() {
        Map<String, Object> r = MetricsReader.parseObject("  { \"a\" : [ ] , \"b\":{\"c\":[1, [2.5e3, -0]]}, \"d\":\"\\u0041\\/\" }  ");
        assertEquals(List.of(), r.get("a"));
        assertEquals(Map.of("c", List.of(1L, List.of(2500.0, 0L))), r.get("b"));
        assertEquals("A/", r.get("d"));
        assertEquals(Map.of(), MetricsReader.parseObject("{}"));
    }

    @Test
    void malformedLineNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1}\n{\"type\":\"step\",\"step\":2}\n{\"type\":\"step\",\"step\":3,\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsReader.read(file));
        assertTrue(e.getMessage().startsWith(file + " line 3: "), e.getMessage());
        assertTrue(e.getMessage().contains("column"), e.getMessage());

        for (String bad : new String[]{"[1,2]", "{\"a\":1} x", "{\"a\":01.2.3}", "{\"a\":tru}", "{a:1}", "{\"a\":\"open",
                "{\"a\":1,}", "{\"a\" 1}", "{\"a\":[1 2]}", "{\"a\":\"\\q\"}"}) {
            Files.writeString(file, "\n" + bad + "\n");
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> MetricsReader.read(file), bad);
            assertTrue(ex.getMessage().contains(" line 2: "), bad + " -> " + ex.getMessage());
        }
    }

    @Test
    void emptyFileHasNoRecords(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "");
        assertTrue(MetricsReader.read(file).isEmpty());
        assertFalse(RunReport.render(new ReportData()).contains("<polyline"));
    }
}
