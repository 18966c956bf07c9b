package dev.sparkcnn.jobs.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code metrics.jsonl}: one JSON object per line, as written by the driver's {@code MetricsLog}.
 *
 * <p>A tiny recursive-descent parser, enough for what the driver writes: objects whose values are strings,
 * numbers, booleans, null, arrays (possibly nested, e.g. the confusion matrix) and, for good measure, objects.
 * Integers become {@link Long}, other numbers {@link Double}, arrays {@code List<Object>}, objects
 * {@code LinkedHashMap<String,Object>} in file order. Blank lines are skipped.
 */
public final class MetricsReader {

    private MetricsReader() {
    }

    /** All records of the file, in order; a malformed line raises an {@link IllegalArgumentException} naming file and line. */
    public static List<Map<String, Object>> read(Path jsonl) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) continue;
                try {
                    records.add(parseObject(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(jsonl + " line " + lineNumber + ": " + e.getMessage()
                            + "; expected one JSON object per line, as written by the training driver", e);
                }
            }
        }
        return records;
    }

    /** One line: a JSON object and nothing else but whitespace. */
    public static Map<String, Object> parseObject(String line) {
        Parser p = new Parser(line);
        p.skipSpace();
        if (!p.at('{')) throw p.error("expected '{' at the start of the line");
        @SuppressWarnings("unchecked")
        Map<String, Object> record = (Map<String, Object>) p.value();
        p.skipSpace();
        if (p.pos < line.length()) throw p.error("unexpected text after the closing '}'");
        return record;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end of line, expected a value");
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("unexpected character '" + c + "'");
            }
        }

        Map<String, Object> object() {
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            skipSpace();
            if (at('}')) {
                pos++;
                return m;
            }
            while (true) {
                skipSpace();
                if (!at('"')) throw error("expected a quoted key");
                String key = string();
                skipSpace();
                expect(':');
                m.put(key, value());
                skipSpace();
                if (at(',')) {
                    pos++;
                } else if (at('}')) {
                    pos++;
                    return m;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array() {
            expect('[');
            List<Object> list = new ArrayList<>();
            skipSpace();
            if (at(']')) {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipSpace();
                if (at(',')) {
                    pos++;
                } else if (at(']')) {
                    pos++;
                    return list;
                } else {
                    throw error("expected ',' or ']'");
                }
            }
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) break;
                char e = s.charAt(pos++);
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (pos + 4 > s.length()) throw error("truncated \\u escape");
                        try {
                            b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                        break;
                    default: throw error("unknown escape '\\" + e + "'");
                }
            }
            throw error("unterminated string");
        }

        Number number() {
            int start = pos;
            if (at('-')) pos++;
            boolean integral = true;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    pos++;
                } else {
                    break;
                }
            }
            String text = s.substring(start, pos);
            try {
                if (integral) {
                    try {
                        return Long.parseLong(text);
                    } catch (NumberFormatException tooBig) {
                        return Double.parseDouble(text);
                    }
                }
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                pos = start;
                throw error("bad number '" + text + "'");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) throw error("unexpected token, expected " + word);
            pos += word.length();
            return v;
        }

        void expect(char c) {
            if (!at(c)) throw error("expected '" + c + "'");
            pos++;
        }

        boolean at(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at column " + (pos + 1));
        }
    }
}
