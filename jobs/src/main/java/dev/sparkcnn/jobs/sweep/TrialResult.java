package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.metrics.Json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one trial ended, as stored in its {@code result.json}: the swept values, epochs run, validation
 * accuracy after every epoch (the learning curve), the best and the final of those, wall time and the
 * stop reason: {@code completed}, {@code asha: rung K} or {@code failed: MESSAGE}.
 */
public record TrialResult(int id, Map<String, String> values, int epochs, List<Double> curve, Double bestAccuracy, int bestEpoch,
                          Double finalAccuracy, double wallSeconds, String stopReason, int partitions) {

    public static final String COMPLETED = "completed";

    public boolean failed() {
        return stopReason.startsWith("failed");
    }

    public String name() {
        return String.format(java.util.Locale.ROOT, "trial-%03d", id);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", id);
        m.put("values", new LinkedHashMap<>(values));
        m.put("epochs", epochs);
        m.put("best_validation_accuracy", bestAccuracy);
        m.put("best_epoch", bestEpoch);
        m.put("final_validation_accuracy", finalAccuracy);
        m.put("wall_seconds", wallSeconds);
        m.put("stop_reason", stopReason);
        m.put("partitions", partitions);
        m.put("validation_accuracy_per_epoch", curve);
        return m;
    }

    public String toJson() {
        return Json.object(toMap());
    }

    /** Reads a result.json; {@code source} names it in errors. */
    @SuppressWarnings("unchecked")
    public static TrialResult fromJson(String json, String source) {
        try {
            Map<String, Object> m = Json.parseObject(json);
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("values")).entrySet()) values.put(e.getKey(), String.valueOf(e.getValue()));
            List<Double> curve = new ArrayList<>();
            for (Object o : (List<Object>) m.get("validation_accuracy_per_epoch")) curve.add(o == null ? null : ((Number) o).doubleValue());
            return new TrialResult(((Number) m.get("trial")).intValue(), Collections.unmodifiableMap(values),
                    ((Number) m.get("epochs")).intValue(), Collections.unmodifiableList(curve), number(m.get("best_validation_accuracy")),
                    ((Number) m.get("best_epoch")).intValue(), number(m.get("final_validation_accuracy")),
                    ((Number) m.get("wall_seconds")).doubleValue(), (String) m.get("stop_reason"), ((Number) m.get("partitions")).intValue());
        } catch (RuntimeException e) {
            throw new SweepException(source + " is not a trial result as the sweep writes it (" + e.getMessage()
                    + "); delete it to run that trial again");
        }
    }

    private static Double number(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }
}
