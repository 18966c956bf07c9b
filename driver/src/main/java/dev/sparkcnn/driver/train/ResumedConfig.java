package dev.sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The configuration of a resumed run. The checkpoint's own config is the truth: it is what the
 * parameters, the optimizer state and the data order so far were computed with. Settings given for
 * the resumed run (a config file, flags, {@code --set}) are laid over it; a value that differs in a
 * key that shapes training (learning rate, schedule, epochs, momentum, seed, batch, model, ...) is
 * refused by name, because the run would silently become another run. Only the keys that say how
 * and how long the run executes may change: {@link #MAY_CHANGE}.
 */
public final class ResumedConfig {

    /**
     * Keys a resumed run may change: where and how the steps run (partitions and exchange give the
     * same parameters, bitwise or within float summation order, see README), how often it saves,
     * evaluates and logs, and when it stops. Every other key, including any added later, must match
     * the checkpoint.
     */
    public static final Set<String> MAY_CHANGE = Set.of(
            "partitions", "exchange", "exchange.timeout", "checkpoint.every", "checkpoint.keep", "eval.every", "log.every", "max.steps");

    private ResumedConfig() {
    }

    /** Whether a different value of {@code key} makes a different training run. */
    public static boolean affectsTraining(String key) {
        return !MAY_CHANGE.contains(key);
    }

    /**
     * The config of the resumed run: {@code saved} (from {@code checkpoint}) with the {@code requested}
     * settings laid over it. {@code specText} resolves a model name or file to its spec text, so that
     * {@code --model} naming the checkpoint's spec by another path is accepted.
     *
     * @throws ConfigException naming every training-relevant key whose requested value differs
     */
    public static TrainConfig resolve(TrainConfig saved, String savedSpecText, TrainConfig.Builder requested,
                                      String checkpoint, Function<String, String> specText) {
        TrainConfig.Builder b = TrainConfig.builder();
        for (Map.Entry<String, String> e : saved.asMap().entrySet()) b.set(e.getKey(), e.getValue(), checkpoint + " (config)");
        List<String> refused = new ArrayList<>();
        for (Map.Entry<String, String> e : requested.assigned().entrySet()) {
            String key = e.getKey(), value = e.getValue(), source = requested.sourceOf(key);
            if (!affectsTraining(key)) {
                b.set(key, value, source);
            } else if (key.equals("model")) {
                if (!value.equals(saved.model()) && !specText.apply(value).equals(savedSpecText)) {
                    refused.add(source + ": model = " + value + " is another model spec than the checkpoint's (model = " + saved.model() + ")");
                }
            } else if (!sameValue(saved.get(key), value)) {
                refused.add(source + ": " + key + " = " + value + " differs from the checkpoint's " + key + " = " + saved.get(key));
            }
        }
        if (!refused.isEmpty()) {
            throw new ConfigException("cannot resume from " + checkpoint + ": " + String.join("; ", refused)
                    + ". A resumed run continues with the settings it was started with (only " + String.join(", ", sorted())
                    + " may change); drop " + (refused.size() == 1 ? "that setting" : "those settings")
                    + ", or train a new run in another --out");
        }
        return b.build();
    }

    /** The training-relevant keys whose values differ between two configs, as "key = a / key = b" pairs. */
    static List<String> trainingDifferences(TrainConfig a, TrainConfig b) {
        List<String> d = new ArrayList<>();
        for (String key : TrainConfig.KEYS.keySet()) {
            if (affectsTraining(key) && !sameValue(a.get(key), b.get(key))) d.add(key);
        }
        return d;
    }

    /** Equal as written, or as numbers ("0.05" and "5e-2", "10" and "10.0"). */
    static boolean sameValue(String a, String b) {
        if (a.equals(b)) return true;
        try {
            return Double.parseDouble(a) == Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<String> sorted() {
        List<String> keys = new ArrayList<>(MAY_CHANGE);
        keys.sort(null);
        return keys;
    }
}
