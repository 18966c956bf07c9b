package dev.sparkcnn.driver.metrics;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void writesOneLineInFieldOrderAndReadsItBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", 0.1 + 0.2);
        m.put("list", List.of("x", 2L));
        m.put("matrix", new long[][] {{1, 2}, {3, 4}});
        m.put("floats", new float[] {0.5f});
        m.put("nested", Map.of("k", true));
        String text = Json.object(m);
        assertEquals("{\"z\":1,\"a\":0.30000000000000004,\"list\":[\"x\",2],\"matrix\":[[1,2],[3,4]],\"floats\":[0.5],"
                + "\"nested\":{\"k\":true}}", text);
        Map<String, Object> back = Json.parseObject(text);
        assertEquals(List.of("z", "a", "list", "matrix", "floats", "nested"), new ArrayList<>(back.keySet()));
        assertEquals(1L, back.get("z"), "integers read as Long");
        assertEquals(0.1 + 0.2, back.get("a"), "doubles exactly");
        assertEquals(List.of(List.of(1L, 2L), List.of(3L, 4L)), back.get("matrix"));
        assertEquals(List.of(0.5), back.get("floats"));
        assertEquals(Map.of("k", true), back.get("nested"));
    }

    @Test
    void nonFiniteNumbersAreWrittenAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("inf", Float.POSITIVE_INFINITY);
        m.put("array", new double[] {1.5, Double.NEGATIVE_INFINITY});
        m.put("floats", new float[] {Float.NaN});
        assertEquals("{\"nan\":null,\"inf\":null,\"array\":[1.5,null],\"floats\":[null]}", Json.object(m));
    }

    @Test
    void malformedTextSaysWhatAndWhere() {
        for (String bad : new String[] {"[1,2]", "{\"a\":1} x", "{\"a\":01.2.3}", "{\"a\":tru}", "{a:1}", "{\"a\":\"open",
                "{\"a\":1,}", "{\"a\" 1}", "{\"a\":[1 2]}", "{\"a\":\"\\q\"}", "", "42"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject(bad), bad);
            assertTrue(bad.isEmpty() || e.getMessage().contains("column"), bad + " -> " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject("  [1,2]"));
        assertEquals("expected a JSON object '{...}', found an array at column 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":1} x"));
        assertTrue(e.getMessage().contains("at column 9"), e.getMessage());
    }

    @Test
    void jsonLinesSkipBlankLinesAndNameTheBadLine() throws IOException {
        String text = "{\"step\":1}\n\n  \n{\"step\":2}\n";
        List<Map<String, Object>> records = Json.readLines(new BufferedReader(new StringReader(text)), "metrics.jsonl");
        assertEquals(List.of(Map.of("step", 1L), Map.of("step", 2L)), records);
        assertTrue(Json.readLines(new BufferedReader(new StringReader("")), "empty").isEmpty());

        String bad = "{\"step\":1}\n{\"step\":2}\n\n{\"step\":3,\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.readLines(new BufferedReader(new StringReader(bad)), "/runs/a/metrics.jsonl"));
        assertTrue(e.getMessage().startsWith("/runs/a/metrics.jsonl line 4: "), e.getMessage());
        assertTrue(e.getMessage().contains("column"), e.getMessage());
    }
}
