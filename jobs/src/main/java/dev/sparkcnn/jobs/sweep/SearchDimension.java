package dev.sparkcnn.jobs.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One axis of a sweep's search space: the values one training key may take, from a
 * {@code space.KEY = ...} line of a sweep file.
 *
 * <pre>
 *   uniform(a, b)       a real number drawn evenly from [a, b]
 *   loguniform(a, b)    a real number whose logarithm is drawn evenly from [log a, log b] (0 &lt; a &lt; b)
 *   randint(a, b)       an integer drawn evenly from a..b inclusive
 *   choice(v1, v2, ..)  one of the values (numbers, names or paths), each equally likely
 *   grid(v1, v2, ..)    the same as choice; a bare list "v1, v2, .." too
 * </pre>
 * Random search draws from each axis; grid search enumerates the discrete values and {@code points}
 * evenly spaced values (log-spaced for loguniform) of a continuous range, both ends included.
 * Sampled reals are kept to 3 significant digits, so a config file shows "0.0123", not 17 digits.
 */
public final class SearchDimension {

    public enum Kind { UNIFORM, LOGUNIFORM, RANDINT, CHOICE }

    private final String key;
    private final Kind kind;
    private final double low, high;
    private final List<String> values;
    private final String text;

    private SearchDimension(String key, Kind kind, double low, double high, List<String> values, String text) {
        this.key = key;
        this.kind = kind;
        this.low = low;
        this.high = high;
        this.values = values;
        this.text = text;
    }

    /**
     * Parses the right-hand side of {@code space.KEY = text}. Errors are {@link IllegalArgumentException}s
     * with the reason only; the caller adds file, line and key.
     */
    public static SearchDimension parse(String key, String text) {
        String t = text.trim();
        int open = t.indexOf('(');
        String fn = open > 0 && t.endsWith(")") ? t.substring(0, open).trim().toLowerCase(Locale.ROOT) : null;
        if (fn != null && !fn.matches("[a-z]+")) fn = null;
        if (fn == null) {
            // a bare list: "0, 5e-4" or a single value
            return new SearchDimension(key, Kind.CHOICE, 0, 0, items(t, text), t);
        }
        List<String> args = items(t.substring(open + 1, t.length() - 1), text);
        switch (fn) {
            case "uniform": {
                double[] ab = range(fn, args);
                return new SearchDimension(key, Kind.UNIFORM, ab[0], ab[1], List.of(), t);
            }
            case "loguniform": {
                double[] ab = range(fn, args);
                if (!(ab[0] > 0)) throw new IllegalArgumentException("loguniform needs 0 < low < high, got low = " + args.get(0));
                return new SearchDimension(key, Kind.LOGUNIFORM, ab[0], ab[1], List.of(), t);
            }
            case "randint": {
                double[] ab = range(fn, args);
                if (ab[0] != Math.rint(ab[0]) || ab[1] != Math.rint(ab[1])) {
                    throw new IllegalArgumentException("randint needs two integers, got " + args.get(0) + " and " + args.get(1));
                }
                return new SearchDimension(key, Kind.RANDINT, ab[0], ab[1], List.of(), t);
            }
            case "choice": case "grid":
                return new SearchDimension(key, Kind.CHOICE, 0, 0, args, t);
            default:
                throw new IllegalArgumentException("unknown distribution '" + fn + "'; expected uniform(a, b), loguniform(a, b), "
                        + "randint(a, b), choice(v1, v2, ...), grid(v1, v2, ...) or a list v1, v2, ...");
        }
    }

    private static List<String> items(String inner, String whole) {
        List<String> out = new ArrayList<>();
        for (String s : inner.split(",")) {
            String v = s.trim();
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1).trim();
            }
            if (v.isEmpty()) throw new IllegalArgumentException("empty value in '" + whole + "'");
            out.add(v);
        }
        return List.copyOf(out);
    }

    private static double[] range(String fn, List<String> args) {
        if (args.size() != 2) throw new IllegalArgumentException(fn + " needs two numbers (low, high), got " + args.size() + " values");
        double a, b;
        try {
            a = Double.parseDouble(args.get(0));
            b = Double.parseDouble(args.get(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(fn + " needs two numbers, got '" + args.get(0) + "' and '" + args.get(1) + "'");
        }
        if (!Double.isFinite(a) || !Double.isFinite(b) || !(a < b)) {
            throw new IllegalArgumentException(fn + " needs low < high, got " + args.get(0) + " and " + args.get(1));
        }
        return new double[] {a, b};
    }

    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** The distribution as written in the sweep file. */
    public String text() {
        return text;
    }

    /** Whether plots should use a log axis for this key. */
    public boolean logScale() {
        return kind == Kind.LOGUNIFORM;
    }

    /** The discrete values of a choice (empty for ranges). */
    public List<String> values() {
        return values;
    }

    /** Whether every value is a number (so a plot can use it as an x coordinate). */
    public boolean numeric() {
        if (kind != Kind.CHOICE) return true;
        for (String v : values) {
            try {
                Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /** One value drawn for random search. */
    public String sample(SplittableRandom r) {
        switch (kind) {
            case UNIFORM: return format(low + (high - low) * r.nextDouble());
            case LOGUNIFORM: return format(Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * r.nextDouble()));
            case RANDINT: return Long.toString((long) low + r.nextLong((long) high - (long) low + 1));
            default: return values.get(r.nextInt(values.size()));
        }
    }

    /** The values grid search enumerates, in order; {@code points} applies to continuous ranges only. */
    public List<String> gridValues(int points) {
        List<String> out = new ArrayList<>();
        switch (kind) {
            case UNIFORM:
                for (int i = 0; i < points; i++) out.add(format(low + (high - low) * i / (points - 1)));
                break;
            case LOGUNIFORM:
                for (int i = 0; i < points; i++) out.add(format(Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * i / (points - 1))));
                break;
            case RANDINT:
                for (long v = (long) low; v <= (long) high; v++) out.add(Long.toString(v));
                break;
            default:
                out.addAll(values);
        }
        return out;
    }

    /** A real with 3 significant digits and no trailing zeros: 0.0123, 0.9, 1.5e-05. */
    static String format(double v) {
        String s = String.format(Locale.ROOT, "%.3g", v);
        String mantissa = s, exp = "";
        int e = s.indexOf('e');
        if (e >= 0) {
            mantissa = s.substring(0, e);
            exp = s.substring(e);
        }
        if (mantissa.contains(".")) mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        return mantissa + exp;
    }

    @Override
    public String toString() {
        return key + " = " + text;
    }
}
