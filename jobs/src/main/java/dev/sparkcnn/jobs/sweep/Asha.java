package dev.sparkcnn.jobs.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020) as a stopping rule on validation accuracy.
 * Rungs sit at {@code min * eta^k} epochs (k = 0, 1, ...) below the trials' epoch budget. When a trial
 * finishes a rung's epoch, its accuracy is recorded there and compared with every trial that reached
 * the rung before it: it continues only if it is among the best {@code ceil(n / eta)} of the
 * {@code n} recorded so far (itself included). Earlier arrivals win ties, so the first trial at a rung
 * always continues and a late trial must beat the others to stay.
 *
 * <p>No trial waits for others: the decision uses whatever has been recorded, which is what makes it
 * asynchronous, and also why decisions depend on the order in which concurrent trials arrive.
 * Thread-safe: trials running in parallel report here.
 */
public final class Asha {

    /** A rung decision: continue, or stop at rung k. */
    public record Decision(boolean stop, int rung, int rank, int recorded, int kept) {
        public String reason() {
            return "asha: rung " + rung;
        }
    }

    private final int minEpochs;
    private final int eta;
    private final int maxEpochs;
    private final List<Integer> rungEpochs = new ArrayList<>();
    private final List<Map<Integer, Double>> recorded = new ArrayList<>();

    public Asha(int minEpochs, int eta, int maxEpochs) {
        if (minEpochs <= 0 || eta < 2) throw new IllegalArgumentException("ASHA needs min epochs >= 1 and eta >= 2");
        this.minEpochs = minEpochs;
        this.eta = eta;
        this.maxEpochs = maxEpochs;
        // a rung at the last epoch would stop nothing: the trial ends there anyway
        for (long e = minEpochs; e < maxEpochs; e *= eta) {
            rungEpochs.add((int) e);
            recorded.add(new LinkedHashMap<>());
        }
    }

    /** Epochs at which rungs sit, in order. */
    public List<Integer> rungEpochs() {
        return List.copyOf(rungEpochs);
    }

    /**
     * A trial finished {@code epoch} with validation accuracy {@code accuracy}: records it if the epoch is a
     * rung and says whether the trial goes on. Reporting the same trial at the same rung again (a restart)
     * changes nothing and repeats the decision.
     */
    public synchronized Decision report(int trial, int epoch, double accuracy) {
        int k = rungEpochs.indexOf(epoch);
        if (k < 0) return new Decision(false, -1, 0, 0, 0);
        Map<Integer, Double> rung = recorded.get(k);
        rung.putIfAbsent(trial, accuracy);
        double mine = rung.get(trial);
        int better = 0, n = 0;
        for (Map.Entry<Integer, Double> e : rung.entrySet()) {
            n++;
            if (e.getKey() == trial) break;   // only earlier arrivals count against it
            if (e.getValue() >= mine) better++;
        }
        n = rung.size();
        int kept = (n + eta - 1) / eta;
        return new Decision(better >= kept, k, better + 1, n, kept);
    }

    /** Replays a finished trial's curve (validation accuracy after epoch 1, 2, ...) so a restarted sweep judges as before. */
    public synchronized void replay(int trial, List<Double> curve) {
        for (int k = 0; k < rungEpochs.size(); k++) {
            int epoch = rungEpochs.get(k);
            if (curve.size() >= epoch && curve.get(epoch - 1) != null) recorded.get(k).putIfAbsent(trial, curve.get(epoch - 1));
        }
    }

    public int minEpochs() {
        return minEpochs;
    }

    public int reduction() {
        return eta;
    }

    public int maxEpochs() {
        return maxEpochs;
    }
}
