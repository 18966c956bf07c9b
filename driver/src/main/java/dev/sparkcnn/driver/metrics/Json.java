package dev.sparkcnn.driver.metrics;

import java.util.Locale;
import java.util.Map;

/** Minimal JSON writing for flat records (metrics lines, reports): strings, numbers, nested arrays/maps. */
public final class Json {

    private Json() {
    }

    public static String object(Map<String, ?> fields) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(string(e.getKey())).append(':').append(value(e.getValue()));
        }
        return b.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    public static String value(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return string((String) v);
        if (v instanceof Boolean || v instanceof Integer || v instanceof Long) return v.toString();
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) return "null";
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
            return String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e").replaceAll("\\.$", "");
        }
        if (v instanceof Map) return object((Map<String, ?>) v);
        if (v instanceof double[]) {
            StringBuilder b = new StringBuilder("[");
            double[] a = (double[]) v;
            for (int i = 0; i < a.length; i++) b.append(i > 0 ? "," : "").append(value(a[i]));
            return b.append(']').toString();
        }
        if (v instanceof long[]) {
            StringBuilder b = new StringBuilder("[");
            long[] a = (long[]) v;
            for (int i = 0; i < a.length; i++) b.append(i > 0 ? "," : "").append(a[i]);
            return b.append(']').toString();
        }
        if (v instanceof Object[]) {
            StringBuilder b = new StringBuilder("[");
            Object[] a = (Object[]) v;
            for (int i = 0; i < a.length; i++) b.append(i > 0 ? "," : "").append(value(a[i]));
            return b.append(']').toString();
        }
        if (v instanceof Iterable) {
            StringBuilder b = new StringBuilder("[");
            boolean first = true;
            for (Object o : (Iterable<?>) v) {
                b.append(first ? "" : ",").append(value(o));
                first = false;
            }
            return b.append(']').toString();
        }
        return string(v.toString());
    }

    public static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
