package dev.sparkcnn.driver.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.JsonGeneratorDecorator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.type.MapType;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every JSON file we write or read ({@code metrics.jsonl}, {@code summary.json}, {@code eval.json},
 * a sweep's {@code results.json} and each trial's {@code result.json}) goes through Spark's own
 * Jackson with one mapper configured here, so that what one job writes the next reads the same way:
 *
 * <ul>
 *   <li>writing: a map's fields in its iteration order (use a {@link LinkedHashMap}), one line;
 *       numbers, strings, booleans, null, lists, arrays (also nested: the confusion matrix) and maps.
 *       A NaN or infinite number is written as {@code null}: JSON has no such numbers, and a reader
 *       should see "no value", not the string "NaN".</li>
 *   <li>reading: an object becomes a {@link LinkedHashMap} in file order, an array a {@link List},
 *       an integer a {@link Long}, any other number a {@link Double}.</li>
 * </ul>
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().addDecorator(new NonFiniteAsNull()).build())
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);
    private static final MapType OBJECT = MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class);

    private Json() {
    }

    /** One JSON object on one line (no newline) with the map's fields in iteration order. */
    public static String object(Map<String, ?> fields) {
        return value(fields);
    }

    /** Any value (a list, an array, a number, ...) as JSON text. */
    public static String value(Object v) {
        try {
            return MAPPER.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses one JSON object, and nothing else but whitespace. A malformed text raises an
     * {@link IllegalArgumentException} that says what was wrong and at which column.
     */
    public static Map<String, Object> parseObject(String text) {
        try (JsonParser p = MAPPER.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException((first == null ? "no JSON object (the text is empty)" : "expected a JSON object '{...}', found "
                        + describe(first)) + " at column " + column(p));
            }
            Map<String, Object> record = MAPPER.readValue(p, OBJECT);
            if (p.nextToken() != null) throw new IllegalArgumentException("unexpected text after the closing '}' at column " + column(p));
            return record;
        } catch (JsonProcessingException e) {
            long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            throw new IllegalArgumentException(e.getOriginalMessage() + (column > 0 ? " at column " + column : ""), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // reading a String does no I/O
        }
    }

    /**
     * JSON lines (as {@code metrics.jsonl}): one object per line, blank lines skipped. A malformed
     * line raises an {@link IllegalArgumentException} naming {@code source} (the file) and the line.
     */
    public static List<Map<String, Object>> readLines(BufferedReader in, String source) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        int lineNumber = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            if (line.isBlank()) continue;
            try {
                records.add(parseObject(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + lineNumber + ": " + e.getMessage()
                        + "; expected one JSON object per line, as the training driver writes them", e);
            }
        }
        return records;
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case START_ARRAY: return "an array";
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT: case VALUE_NUMBER_FLOAT: return "a number";
            default: return "'" + t.asString() + "'";
        }
    }

    private static long column(JsonParser p) {
        return p.currentTokenLocation().getColumnNr();
    }

    /** Writes NaN and the infinities as null, wherever a number is written (also inside double[]). */
    private static final class NonFiniteAsNull implements JsonGeneratorDecorator {
        @Override
        public JsonGenerator decorate(JsonFactory factory, JsonGenerator generator) {
            return new JsonGeneratorDelegate(generator, true) {
                @Override
                public void writeNumber(double v) throws IOException {
                    if (Double.isFinite(v)) super.writeNumber(v);
                    else writeNull();
                }

                @Override
                public void writeNumber(float v) throws IOException {
                    if (Float.isFinite(v)) super.writeNumber(v);
                    else writeNull();
                }

                @Override
                public void writeArray(double[] array, int offset, int length) throws IOException {
                    writeStartArray(array, length);
                    for (int i = offset; i < offset + length; i++) writeNumber(array[i]);
                    writeEndArray();
                }
            };
        }
    }
}
