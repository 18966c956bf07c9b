package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.train.TrainConfig;

import java.util.Locale;
import java.util.Map;

/**
 * One point of a sweep: its number (1-based, stable across restarts), the values drawn for the
 * swept keys (in sweep-file order) and the full training config they give.
 */
public record Trial(int id, Map<String, String> values, TrainConfig config) {

    /** The trial's directory name under {@code OUT/trials}: trial-001. */
    public String name() {
        return String.format(Locale.ROOT, "trial-%03d", id);
    }

    /** "lr=0.01 momentum=0.9" for log lines. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (b.length() > 0) b.append(' ');
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }
}
