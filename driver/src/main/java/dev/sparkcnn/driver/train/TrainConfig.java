package dev.sparkcnn.driver.train;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every setting of a training run, with defaults, read from {@code key = value} files
 * ({@code conf/train/*.conf}, '#' comments) and {@code --set key=value} overrides. Unknown keys and
 * bad values are refused with the source, the key and the reason. The resolved config is written
 * to the run directory and into checkpoints.
 */
public final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Known keys, their defaults and a one-line description (for --help and the docs). */
    public static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    private static void key(String name, String dflt, String doc) {
        KEYS.put(name, new String[] {dflt, doc});
    }

    static {
        key("model", "cifar-quick", "model spec: a file or a shipped name (cifar-quick, lenet5, resnet20, cifar-fcn)");
        key("epochs", "10", "passes over the training set");
        key("batch.size", "128", "global mini-batch (split across partitions)");
        key("seed", "1", "fixes initialisation, data order, augmentation and dropout");
        key("optimizer", "sgd", "sgd, adam or adamw");
        key("lr", "0.05", "base learning rate");
        key("momentum", "0.9", "SGD momentum");
        key("nesterov", "true", "Nesterov momentum for SGD");
        key("weight.decay", "5e-4", "L2 weight decay (decoupled for adamw)");
        key("adam.beta1", "0.9", "Adam beta1");
        key("adam.beta2", "0.999", "Adam beta2");
        key("adam.eps", "1e-8", "Adam epsilon");
        key("schedule", "cosine", "learning-rate schedule: constant, step or cosine (over all steps)");
        key("schedule.step.epochs", "10", "step schedule: decay every this many epochs");
        key("schedule.gamma", "0.1", "step schedule: decay factor");
        key("lr.min", "0", "cosine schedule: final learning rate");
        key("warmup.epochs", "0.5", "linear warm-up from lr/10, in epochs (fractions allowed)");
        key("augment", "flip", "false; flip: random horizontal flip; true: random crop (4-pixel padding) and horizontal flip");
        key("data.shards", "8", "fixed data shards; partitions own whole shards, each shard's share of a batch is a batch-norm group");
        key("partitions", "0", "data partitions (0: the cluster's default parallelism, at most data.shards)");
        key("bn.momentum", "0.1", "batch-norm running statistics momentum");
        key("sync", "step", "step: synchronous gradient averaging every step; average: model averaging every average.every local steps");
        key("exchange", "auto", "auto: stream where the cluster can run every partition at once (a barrier stage), else job; "
                + "job: one Spark job per step; stream: one gang-scheduled job per epoch whose tasks exchange gradients with the "
                + "driver every step over Spark's RPC (lower latency)");
        key("exchange.timeout", "120", "exchange = stream: seconds any wait of the exchange may last (the cluster's task slots, "
                + "a step's answers, the driver's next step) before the run fails with what it waited for");
        key("average.every", "1", "model averaging: local SGD steps between averages (tau)");
        key("checkpoint.every", "0", "checkpoint every N steps (0: at the end of every epoch)");
        key("checkpoint.keep", "2", "checkpoints to keep");
        key("eval.every", "1", "evaluate on the test set every N epochs (0: only at the end)");
        key("log.every", "20", "log a progress line every N steps");
        key("max.steps", "0", "stop after this many steps in total (0: run all epochs); the schedule still spans all epochs");
        // data sources (issue 15)
        key("data.format", "auto", "auto (by what is at the path), cifar10, cifar100, folder (root/train/<class>/*.png|jpg) or parquet");
        key("data.label", "fine", "CIFAR-100: fine (100 classes) or coarse (20 superclasses)");
        key("data.image.column", "image", "parquet: the column with encoded image bytes (PNG/JPEG) or Spark's image struct");
        key("data.label.column", "label", "parquet: the label column (int class index, or string: classes are the sorted distinct names)");
        key("validation.fraction", "0.1", "folder without test/: the seeded fraction of train/ held out as the test set (0: none)");
        key("data.skip.unreadable", "false", "true: skip unreadable or non-image files and count them (default: refuse, naming the file)");
        key("data.max.pixels", "16777216", "largest pixel count an image's header may declare (image bomb guard), checked before decoding");
    }

    private final Map<String, String> values;

    private TrainConfig(Map<String, String> values) {
        this.values = values;
    }

    public static TrainConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects settings from files and overrides in order; later ones win. */
    public static final class Builder {
        private final Map<String, String> values = new TreeMap<>();
        private final Map<String, String> sources = new TreeMap<>();

        public Builder file(Path file) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException("cannot read training config " + file + ": " + e.getMessage());
            }
            return text(text, file.toString());
        }

        /** The settings of a config file's text; {@code source} names the file in errors ("FILE:LINE"). */
        public Builder text(String text, String source) {
            String[] lines = text.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                int hash = line.indexOf('#');
                if (hash >= 0) line = line.substring(0, hash);
                line = line.trim();
                if (line.isEmpty()) continue;
                int eq = line.indexOf('=');
                if (eq <= 0) throw new ConfigException(source + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
                set(line.substring(0, eq).trim(), line.substring(eq + 1).trim(), source + ":" + (i + 1));
            }
            return this;
        }

        /** One setting; {@code source} says where it came from for error messages (e.g. "--set"). */
        public Builder set(String key, String value, String source) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            if (!KEYS.containsKey(k)) {
                throw new ConfigException(source + ": unknown key '" + key + "'; known keys: " + String.join(", ", KEYS.keySet()));
            }
            values.put(k, validate(k, value.trim(), source));
            sources.put(k, source);
            return this;
        }

        /** The keys set so far (not the defaults), each with its value: what a resumed run lays over its checkpoint. */
        public Map<String, String> assigned() {
            return java.util.Collections.unmodifiableMap(values);
        }

        /** Where key's value was set ("--lr", "conf/train/x.conf:3", ...), or null when it was not. */
        public String sourceOf(String key) {
            return sources.get(key);
        }

        public Builder set(String key, Object value) {
            return set(key, String.valueOf(value), "code");
        }

        /** "key=value" as given to --set. */
        public Builder override(String assignment) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) throw new ConfigException("--set " + assignment + ": expected key=value");
            return set(assignment.substring(0, eq), assignment.substring(eq + 1), "--set " + assignment);
        }

        public TrainConfig build() {
            Map<String, String> all = new LinkedHashMap<>();
            for (Map.Entry<String, String[]> e : KEYS.entrySet()) all.put(e.getKey(), values.getOrDefault(e.getKey(), e.getValue()[0]));
            return new TrainConfig(all);
        }
    }

    /**
     * Checks a value and returns it in canonical form: the words of an enumerated key and booleans
     * in lower case, so that every later comparison ({@code optimizer = Adam} is Adam, not the
     * default) sees one spelling. Numbers are kept as written.
     */
    private static String validate(String key, String v, String source) {
        String where = source + ": " + key + " = " + v;
        switch (key) {
            case "epochs": case "batch.size": case "data.shards": case "average.every": case "checkpoint.keep": case "exchange.timeout":
                positiveInt(where, v);
                break;
            case "partitions": case "checkpoint.every": case "eval.every": case "log.every": case "max.steps":
                if (parseLong(where, v) < 0) throw new ConfigException(where + ": must be >= 0");
                break;
            case "seed":
                parseLong(where, v);
                break;
            case "lr": case "adam.eps":
                if (!(parseDouble(where, v) > 0)) throw new ConfigException(where + ": must be > 0");
                break;
            case "momentum": case "adam.beta1": case "adam.beta2": {
                double d = parseDouble(where, v);
                if (d < 0 || d >= 1) throw new ConfigException(where + ": must be in [0, 1)");
                break;
            }
            case "bn.momentum": case "schedule.gamma": {
                double d = parseDouble(where, v);
                if (d <= 0 || d > 1) throw new ConfigException(where + ": must be in (0, 1]");
                break;
            }
            case "weight.decay": case "lr.min": case "warmup.epochs":
                if (parseDouble(where, v) < 0) throw new ConfigException(where + ": must be >= 0");
                break;
            case "schedule.step.epochs":
                positiveInt(where, v);
                break;
            case "augment":
                return oneOf(where, v, "true", "false", "flip");
            case "nesterov":
                if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) throw new ConfigException(where + ": must be true or false");
                return v.toLowerCase(Locale.ROOT);
            case "optimizer":
                return oneOf(where, v, "sgd", "adam", "adamw");
            case "schedule":
                return oneOf(where, v, "constant", "step", "cosine");
            case "sync":
                return oneOf(where, v, "step", "average");
            case "exchange":
                return oneOf(where, v, "auto", "job", "stream");
            case "data.format":
                return oneOf(where, v, "auto", "cifar10", "cifar100", "folder", "parquet");
            case "data.label":
                return oneOf(where, v, "fine", "coarse");
            case "data.skip.unreadable":
                return oneOf(where, v, "true", "false");
            case "data.max.pixels":
                if (parseLong(where, v) <= 0) throw new ConfigException(where + ": must be positive");
                break;
            case "validation.fraction": {
                double d = parseDouble(where, v);
                if (d < 0 || d >= 1) throw new ConfigException(where + ": must be in [0, 1)");
                break;
            }
            case "model":
                if (v.isEmpty()) throw new ConfigException(where + ": needs a spec file or name");
                break;
            default:
                break;
        }
        return v;
    }

    /** The option {@code v} names, in its canonical spelling; refused when it names none. */
    private static String oneOf(String where, String v, String... options) {
        for (String o : options) if (o.equalsIgnoreCase(v)) return o;
        throw new ConfigException(where + ": must be one of " + String.join(", ", options));
    }

    private static void positiveInt(String where, String v) {
        long x = parseLong(where, v);
        if (x <= 0 || x > Integer.MAX_VALUE) throw new ConfigException(where + ": must be a positive integer");
    }

    private static long parseLong(String where, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(where + ": not an integer");
        }
    }

    private static double parseDouble(String where, String v) {
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException(where + ": not a number");
        }
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) throw new ConfigException("unknown key '" + key + "'");
        return v;
    }

    public int getInt(String key) {
        return Integer.parseInt(get(key));
    }

    public long getLong(String key) {
        return Long.parseLong(get(key));
    }

    public float getFloat(String key) {
        return Float.parseFloat(get(key));
    }

    public double getDouble(String key) {
        return Double.parseDouble(get(key));
    }

    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(get(key));
    }

    public String model() {
        return get("model");
    }

    public int epochs() {
        return getInt("epochs");
    }

    public int batchSize() {
        return getInt("batch.size");
    }

    public long seed() {
        return getLong("seed");
    }

    public int shards() {
        return getInt("data.shards");
    }

    /** Whether to flip images at random (augment = flip or true). */
    public boolean augmentFlip() {
        return !get("augment").equalsIgnoreCase("false");
    }

    /** Whether to crop images at random from a 4-pixel padded copy (augment = true). */
    public boolean augmentCrop() {
        return get("augment").equalsIgnoreCase("true");
    }

    /** A copy with one value changed (validated). */
    public TrainConfig with(String key, Object value) {
        Builder b = builder();
        for (Map.Entry<String, String> e : values.entrySet()) b.values.put(e.getKey(), e.getValue());
        b.set(key, String.valueOf(value), "code");
        return b.build();
    }

    public Map<String, String> asMap() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** The resolved config as a config file (every key, in documentation order). */
    public String toText() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            // a value with line breaks (an inline model spec) stays on one line
            String v = e.getValue().replace("\\", "\\\\").replace("\n", "\\n");
            b.append(e.getKey()).append(" = ").append(v).append('\n');
        }
        return b.toString();
    }

    /** Parses {@link #toText()} output (as stored in checkpoints). */
    public static TrainConfig fromText(String text, String source) {
        Builder b = builder();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new ConfigException(source + ":" + (i + 1) + ": expected 'key = value'");
            b.set(line.substring(0, eq).trim(), unescape(line.substring(eq + 1).trim()), source + ":" + (i + 1));
        }
        return b.build();
    }

    private static String unescape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                b.append(n == 'n' ? '\n' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig && ((TrainConfig) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return toText();
    }
}
