package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.Trainer;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress on the console: a one-line progress bar redrawn in place when attached to a
 * terminal, periodic log lines otherwise (logs, CI, spark-submit in cluster mode).
 */
final class Progress implements Trainer.Listener {

    private final PrintStream out;
    private final boolean terminal;
    private final int logEvery;
    private final int epochs;
    private final int stepsPerEpoch;
    private final long start = System.nanoTime();
    private long stepsDone;
    private long firstStep = -1;

    Progress(PrintStream out, boolean terminal, int logEvery, int epochs, int stepsPerEpoch) {
        this.out = out;
        this.terminal = terminal;
        this.logEvery = Math.max(1, logEvery);
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    @Override
    public void onStep(Map<String, Object> r) {
        long step = ((Number) r.get("step")).longValue();
        if (firstStep < 0) firstStep = step - 1;
        stepsDone = step - firstStep;
        long total = (long) epochs * stepsPerEpoch;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = stepsDone == 0 ? 0 : elapsed / stepsDone * (total - step);
        int epoch = ((Number) r.get("epoch")).intValue() + 1;
        long inEpoch = step - (long) (epoch - 1) * stepsPerEpoch;
        String line = String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f acc %.3f lr %.4g %.0f img/s ETA %s",
                epoch, epochs, inEpoch, stepsPerEpoch, ((Number) r.get("loss")).doubleValue(),
                ((Number) r.get("accuracy")).doubleValue(), ((Number) r.get("lr")).doubleValue(),
                ((Number) r.get("images_per_second")).doubleValue(), duration(eta));
        if (terminal) {
            int width = 24, filled = (int) (width * inEpoch / Math.max(1, stepsPerEpoch));
            out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line + "   ");
            out.flush();
        } else if (step % logEvery == 0) {
            out.println(line);
        }
    }

    @Override
    public void onEpoch(Map<String, Object> r, EvalResult eval) {
        if (terminal) out.println();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "epoch %s done in %.1f s: train loss %.4f acc %.3f",
                r.get("epoch"), ((Number) r.get("seconds")).doubleValue(), num(r.get("train_loss")), num(r.get("train_accuracy"))));
        if (eval != null) {
            b.append(String.format(Locale.ROOT, ", test loss %.4f acc %.2f%%", eval.meanLoss(), 100 * eval.accuracy()));
        }
        b.append(String.format(Locale.ROOT, " (%s elapsed)", duration((System.nanoTime() - start) / 1e9)));
        out.println(b);
    }

    @Override
    public void onCheckpoint(String file) {
        if (!terminal) out.println("checkpoint " + file);
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
