package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.kernels.spec.ModelSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A hyperparameter sweep file ({@code conf/sweeps/*.sweep}): {@code key = value} lines, '#' comments.
 *
 * <pre>
 *   base = conf/train/quick-test.conf     training config every trial starts from (optional; path relative
 *                                         to the working directory, else to the sweep file's folder or a parent)
 *   search = random                       random | grid
 *   trials = 8                            budget; grid search runs min(trials, grid size), all points without it
 *   seed = 1                              draws the trials and the validation split (not the training seed)
 *   trials.parallel = auto                trials trained at the same time: N or auto
 *   trials.placement = auto               task: each trial's epochs run as single Spark tasks (one core, no
 *                                         per-step job); cluster: each trial data-parallel over its share
 *                                         of the cores; auto: task when there are at least as many trials
 *                                         left as cores
 *   validation.fraction = 0.1             share of the TRAINING set held out for validation
 *   epochs = 4                            epochs per trial at most (default: the base config's)
 *   asha = true                           early stopping by asynchronous successive halving
 *   asha.min.epochs = 1                   first rung; rungs at min * reduction^k epochs
 *   asha.reduction = 3                    eta: a trial continues past a rung if in the top 1/eta there
 *   grid.points = 3                       grid search: values taken from a continuous range
 *   set.KEY = VALUE                       a fixed training setting for every trial
 *   space.KEY = DISTRIBUTION              a swept training key; see {@link SearchDimension}
 * </pre>
 * The trial list is a deterministic function of the file (and the base config): the same file always
 * gives the same trials, which is what lets a stopped sweep be continued. Every error names the file,
 * the line, the key and the reason; every trial's config is built (and so validated) when the file is
 * read, so a value the training config refuses stops the sweep before Spark starts.
 */
public final class SweepFile {

    /** The sweep keys (besides set.* and space.*) with their defaults and meaning. */
    public static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("base", new String[] {"", "training config every trial starts from"});
        KEYS.put("search", new String[] {"random", "random or grid"});
        KEYS.put("trials", new String[] {"", "number of trials (grid: at most the grid size)"});
        KEYS.put("seed", new String[] {"1", "seed of the trial draws and the validation split"});
        KEYS.put("trials.parallel", new String[] {"auto", "trials trained concurrently: N or auto"});
        KEYS.put("trials.placement", new String[] {"auto", "task (a trial's epochs in single tasks), cluster (data-parallel) or auto"});
        KEYS.put("validation.fraction", new String[] {"0.1", "share of the training set held out for validation"});
        KEYS.put("epochs", new String[] {"", "epochs per trial at most (default: the base config's)"});
        KEYS.put("asha", new String[] {"true", "early stopping by asynchronous successive halving"});
        KEYS.put("asha.min.epochs", new String[] {"1", "epochs at the first ASHA rung"});
        KEYS.put("asha.reduction", new String[] {"3", "ASHA reduction factor eta (>= 2)"});
        KEYS.put("grid.points", new String[] {"3", "grid search: values from each continuous range"});
    }

    /** Keys the sweep sets itself for every trial, and why. */
    static final Map<String, String> FORCED = new LinkedHashMap<>();

    static {
        FORCED.put("eval.every", "1");   // ASHA and the learning curves need the validation accuracy every epoch
        FORCED.put("exchange", "job");   // streaming tasks would hold their cores for a whole epoch and starve the other trials
    }

    private static final long MAX_GRID = 1_000_000;

    /** The values of trials.placement. */
    public static final List<String> PLACEMENTS = List.of("auto", "task", "cluster");

    private final String source;
    private final String text;
    private Path base;
    private int baseLine;
    private String search = "random";
    private int trials;
    private long seed = 1;
    private int parallel;   // 0: auto
    private String placement = "auto";
    private double validationFraction = 0.1;
    private int epochs;     // 0: the base config's
    private int epochsLine;
    private boolean asha = true;
    private int ashaMin = 1;
    private int ashaEta = 3;
    private int gridPoints = 3;
    private final Map<String, String> fixed = new LinkedHashMap<>();
    private final List<SearchDimension> space = new ArrayList<>();
    private final Map<String, Integer> lines = new HashMap<>();
    private final List<String> notes = new ArrayList<>();
    private List<Trial> trialList;

    private SweepFile(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** Reads and validates a sweep file. */
    public static SweepFile load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SweepException("cannot read sweep file " + file + ": " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), dir);
    }

    /** Parses sweep-file text; {@code source} names it in errors, {@code dir} resolves a relative base path. */
    public static SweepFile parse(String text, String source, Path dir) {
        SweepFile f = new SweepFile(source, text);
        f.read(dir);
        f.trialList = Collections.unmodifiableList(f.makeTrials());
        return f;
    }

    private SweepException error(int line, String key, String reason) {
        return new SweepException(source + (line > 0 ? ":" + line : "") + ": " + key + ": " + reason);
    }

    private void read(Path dir) {
        String[] ls = text.split("\r?\n", -1);
        for (int i = 0; i < ls.length; i++) {
            int n = i + 1;
            String line = ls[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.trim();
            if (line.isEmpty()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new SweepException(source + ":" + n + ": expected 'key = value', got '" + line + "'");
            String key = line.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).trim();
            if (lines.containsKey(key)) throw error(n, key, "set twice (first on line " + lines.get(key) + ")");
            lines.put(key, n);
            if (value.isEmpty()) throw error(n, key, "has no value");
            try {
                setting(n, key, value, dir);
            } catch (SweepException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw error(n, key + " = " + value, e.getMessage());
            }
        }
        if (space.isEmpty()) {
            throw new SweepException(source + ": no search space: add at least one line such as space.lr = loguniform(1e-3, 1e-1)");
        }
        if (search.equals("random") && trials == 0) {
            throw new SweepException(source + ": trials: missing; random search needs a budget, e.g. trials = 8");
        }
    }

    private void setting(int n, String key, String value, Path dir) {
        if (key.startsWith("space.") || key.startsWith("set.")) {
            boolean swept = key.startsWith("space.");
            String k = key.substring(swept ? 6 : 4);
            if (!TrainConfig.KEYS.containsKey(k)) {
                throw error(n, key, "'" + k + "' is not a training config key; known keys: " + String.join(", ", TrainConfig.KEYS.keySet()));
            }
            if (k.equals("epochs")) throw error(n, key, "use 'epochs = N' (the most any trial runs); ASHA decides how many each trial gets");
            if (FORCED.containsKey(k)) {
                throw error(n, key, "a sweep always trains with " + k + " = " + FORCED.get(k)
                        + (k.equals("exchange") ? " (streaming tasks would hold their cores for a whole epoch, starving concurrent trials)"
                        : " (early stopping and the learning curves need the validation accuracy every epoch)"));
            }
            if (swept) {
                if (fixed.containsKey(k)) throw error(n, key, "already fixed by set." + k + " on line " + lines.get("set." + k));
                space.add(SearchDimension.parse(k, value));
            } else {
                if (lines.containsKey("space." + k)) throw error(n, key, "already swept by space." + k + " on line " + lines.get("space." + k));
                fixed.put(k, value);
            }
            return;
        }
        switch (key) {
            case "base": {
                Path p = Path.of(value);
                // relative: the working directory, else the sweep file's folder or one of its parents (so
                // "conf/train/x.conf" in conf/sweeps/y.sweep works from anywhere)
                for (Path d = dir; !Files.isRegularFile(p) && !Path.of(value).isAbsolute() && d != null; d = d.getParent()) {
                    p = d.resolve(value);
                }
                if (!Files.isRegularFile(p)) throw error(n, key, "training config '" + value + "' does not exist (looked in the working directory"
                        + (dir != null ? ", in " + dir + " and its parents" : "") + ")");
                base = p;
                baseLine = n;
                break;
            }
            case "search":
                if (!value.equals("random") && !value.equals("grid")) throw error(n, key, "must be random or grid, got '" + value + "'");
                search = value;
                break;
            case "trials":
                trials = positive(n, key, value);
                break;
            case "seed":
                try {
                    seed = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw error(n, key, "not an integer: '" + value + "'");
                }
                break;
            case "trials.parallel":
                parallel = value.equals("auto") ? 0 : positive(n, key, value);
                break;
            case "trials.placement":
                if (!PLACEMENTS.contains(value)) throw error(n, key, "expected one of " + PLACEMENTS + ", got '" + value + "'");
                placement = value;
                break;
            case "validation.fraction": {
                double v;
                try {
                    v = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw error(n, key, "not a number: '" + value + "'");
                }
                if (!(v > 0 && v < 1)) throw error(n, key, "must be between 0 and 1 (exclusive), got " + value);
                validationFraction = v;
                break;
            }
            case "epochs":
                epochs = positive(n, key, value);
                epochsLine = n;
                break;
            case "asha":
                if (!value.equals("true") && !value.equals("false")) throw error(n, key, "must be true or false, got '" + value + "'");
                asha = value.equals("true");
                break;
            case "asha.min.epochs":
                ashaMin = positive(n, key, value);
                break;
            case "asha.reduction":
                ashaEta = positive(n, key, value);
                if (ashaEta < 2) throw error(n, key, "the reduction factor must be at least 2, got " + value);
                break;
            case "grid.points":
                gridPoints = positive(n, key, value);
                if (gridPoints < 2) throw error(n, key, "a range needs at least 2 grid points (its ends), got " + value);
                break;
            default:
                throw error(n, key, "unknown sweep key; known keys: " + String.join(", ", KEYS.keySet()) + ", set.KEY, space.KEY");
        }
    }

    private int positive(int n, String key, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v > 0) return v;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw error(n, key, "must be a positive integer, got '" + value + "'");
    }

    // ------------------------------------------------------------------------------------------------ trials

    private List<Trial> makeTrials() {
        TrainConfig baseCfg;
        try {
            baseCfg = base == null ? TrainConfig.defaults() : TrainConfig.builder().file(base).build();
        } catch (IllegalArgumentException e) {
            throw error(baseLine, "base", e.getMessage());
        }
        for (Map.Entry<String, String> e : FORCED.entrySet()) {
            if (!baseCfg.get(e.getKey()).equals(e.getValue())) {
                notes.add("the base config's " + e.getKey() + " = " + baseCfg.get(e.getKey()) + " is replaced by " + e.getValue()
                        + " for every trial");
            }
        }
        List<Map<String, String>> draws = search.equals("grid") ? gridDraws() : randomDraws();
        int maxEpochs = epochs > 0 ? epochs : baseCfg.epochs();
        if (asha && ashaMin > maxEpochs) {
            throw error(lines.get("asha.min.epochs"), "asha.min.epochs", "the first rung (" + ashaMin + " epochs) is beyond the "
                    + maxEpochs + " epochs a trial runs");
        }
        List<Trial> out = new ArrayList<>();
        Map<String, Boolean> modelsChecked = new HashMap<>();
        for (int i = 0; i < draws.size(); i++) {
            int id = i + 1;
            Map<String, String> values = draws.get(i);
            TrainConfig.Builder b = TrainConfig.builder();
            for (Map.Entry<String, String> e : baseCfg.asMap().entrySet()) {
                b.set(e.getKey(), e.getValue(), base == null ? "defaults" : base.toString());
            }
            for (Map.Entry<String, String> e : fixed.entrySet()) {
                String key = "set." + e.getKey();
                set(b, lines.get(key), key, e.getKey(), e.getValue(), "");
            }
            if (epochs > 0) set(b, epochsLine, "epochs", "epochs", String.valueOf(epochs), "");
            for (Map.Entry<String, String> e : values.entrySet()) {
                String key = "space." + e.getKey();
                set(b, lines.get(key), key, e.getKey(), e.getValue(), " (value drawn for trial " + id + ")");
            }
            for (Map.Entry<String, String> e : FORCED.entrySet()) b.set(e.getKey(), e.getValue(), "sweep");
            TrainConfig cfg = b.build();
            checkModel(cfg.model(), modelsChecked);
            out.add(new Trial(id, Collections.unmodifiableMap(values), cfg));
        }
        return out;
    }

    private void set(TrainConfig.Builder b, int line, String key, String trainKey, String value, String what) {
        try {
            b.set(trainKey, value, source + ":" + line + ": " + key + what);
        } catch (IllegalArgumentException e) {
            throw new SweepException(e.getMessage());
        }
    }

    /** A model that cannot be found or read is an error in the file; one whose shapes do not fit fails its trials only. */
    private void checkModel(String model, Map<String, Boolean> checked) {
        if (checked.containsKey(model)) return;
        checked.put(model, true);
        try {
            ModelSpec.resolve(model);
        } catch (RuntimeException e) {
            String key = lines.containsKey("space.model") ? "space.model" : lines.containsKey("set.model") ? "set.model" : "base";
            int line = key.equals("base") ? baseLine : lines.get(key);
            throw error(line, key, e.getMessage());
        }
    }

    private List<Map<String, String>> randomDraws() {
        SplittableRandom r = new SplittableRandom(seed);
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            Map<String, String> v = new LinkedHashMap<>();
            for (SearchDimension d : space) v.put(d.key(), d.sample(r));
            out.add(v);
        }
        return out;
    }

    /** The grid in order, the first swept key varying slowest; a seeded subset of it when the budget is smaller. */
    private List<Map<String, String>> gridDraws() {
        List<List<String>> axes = new ArrayList<>();
        long size = 1;
        for (SearchDimension d : space) {
            if (d.kind() == SearchDimension.Kind.RANDINT && d.gridValues(0).size() > MAX_GRID) {
                throw error(lines.get("space." + d.key()), "space." + d.key(), "the integer range is too large for a grid");
            }
            List<String> v = d.gridValues(gridPoints);
            axes.add(v);
            size *= v.size();
            if (size > MAX_GRID) {
                throw error(lines.get("space." + d.key()), "space." + d.key(), "the grid has more than " + MAX_GRID
                        + " points; use random search or fewer values");
            }
        }
        int n = trials > 0 ? (int) Math.min(trials, size) : (int) size;
        int[] pick = new int[(int) size];
        for (int i = 0; i < pick.length; i++) pick[i] = i;
        if (n < size) {
            // a seeded partial shuffle picks n grid points; they run in grid order
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < n; i++) {
                int j = i + r.nextInt(pick.length - i);
                int t = pick[i];
                pick[i] = pick[j];
                pick[j] = t;
            }
            pick = Arrays.copyOf(pick, n);
            Arrays.sort(pick);
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (int index : pick) {
            Map<String, String> v = new LinkedHashMap<>();
            int rest = index;
            String[] chosen = new String[axes.size()];
            for (int a = axes.size() - 1; a >= 0; a--) {
                chosen[a] = axes.get(a).get(rest % axes.get(a).size());
                rest /= axes.get(a).size();
            }
            for (int a = 0; a < axes.size(); a++) v.put(space.get(a).key(), chosen[a]);
            out.add(v);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    public String source() {
        return source;
    }

    /** The file's text as read. */
    public String text() {
        return text;
    }

    public List<Trial> trials() {
        return trialList;
    }

    public List<SearchDimension> space() {
        return Collections.unmodifiableList(space);
    }

    public String search() {
        return search;
    }

    public long seed() {
        return seed;
    }

    /** Trials in parallel as set, 0 for auto. */
    public int parallel() {
        return parallel;
    }

    /** Where a trial runs: {@code task}, {@code cluster} or {@code auto} (see {@link Sweep#autoPlacement}). */
    public String placement() {
        return placement;
    }

    public double validationFraction() {
        return validationFraction;
    }

    public boolean asha() {
        return asha;
    }

    public int ashaMinEpochs() {
        return ashaMin;
    }

    public int ashaReduction() {
        return ashaEta;
    }

    /** Epochs any trial runs at most. */
    public int maxEpochs() {
        return trialList.isEmpty() ? epochs : trialList.get(0).config().epochs();
    }

    /** Things the user may want to know (settings the sweep replaced). */
    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    /**
     * What determines the results: every setting but trials.parallel and trials.placement, and every trial's full config. A sweep
     * directory stores this; a restart with a different plan is refused.
     */
    public String plan(long trainingRecords) {
        StringBuilder b = new StringBuilder("# the trials of this sweep directory; a restart must produce exactly this plan\n");
        b.append("search = ").append(search).append('\n');
        b.append("seed = ").append(seed).append('\n');
        b.append("validation.fraction = ").append(validationFraction).append('\n');
        b.append("training records = ").append(trainingRecords).append('\n');
        b.append("asha = ").append(asha).append(asha ? " (min.epochs " + ashaMin + ", reduction " + ashaEta + ")" : "").append('\n');
        for (Trial t : trialList) {
            b.append("\n[").append(t.name()).append("] ").append(t.describe()).append('\n');
            b.append(t.config().toText());
        }
        return b.toString();
    }
}
