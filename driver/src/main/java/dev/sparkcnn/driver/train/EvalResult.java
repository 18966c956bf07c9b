package dev.sparkcnn.driver.train;

import dev.sparkcnn.kernels.data.CifarClasses;

import java.io.Serializable;
import java.util.Locale;

/** Test-set figures: summed loss, and the confusion matrix (rows: true class, columns: predicted). */
public final class EvalResult implements Serializable {
    private static final long serialVersionUID = 1L;

    public double loss;
    public final long[][] confusion;

    public EvalResult(int classes) {
        confusion = new long[classes][classes];
    }

    void add(int truth, int predicted) {
        confusion[truth][predicted]++;
    }

    public EvalResult merge(EvalResult o) {
        if (o == null) return this;
        loss += o.loss;
        for (int i = 0; i < confusion.length; i++) for (int j = 0; j < confusion.length; j++) confusion[i][j] += o.confusion[i][j];
        return this;
    }

    public long count() {
        long n = 0;
        for (long[] row : confusion) for (long v : row) n += v;
        return n;
    }

    public long correct() {
        long n = 0;
        for (int i = 0; i < confusion.length; i++) n += confusion[i][i];
        return n;
    }

    public double accuracy() {
        return count() == 0 ? 0 : (double) correct() / count();
    }

    public double meanLoss() {
        return count() == 0 ? 0 : loss / count();
    }

    /** Recall of each class: correct / images of that class. */
    public double[] perClassAccuracy() {
        double[] a = new double[confusion.length];
        for (int i = 0; i < a.length; i++) {
            long row = 0;
            for (long v : confusion[i]) row += v;
            a[i] = row == 0 ? 0 : (double) confusion[i][i] / row;
        }
        return a;
    }

    /** A printable table: per-class accuracy and the confusion matrix. */
    public String table() {
        return table(confusion.length == CifarClasses.NAMES.size() ? CifarClasses.NAMES : null);
    }

    /** The table with the given class names (by label; null: "class k"). */
    public String table(java.util.List<String> names) {
        StringBuilder b = new StringBuilder();
        int width = 11;
        if (names != null) for (String n : names) width = Math.max(width, n.length());
        b.append(String.format(Locale.ROOT, "accuracy %.2f%% (%d/%d), mean loss %.4f%n", 100 * accuracy(), correct(), count(), meanLoss()));
        b.append(String.format(Locale.ROOT, "%-" + width + "s %8s   confusion (rows: true, columns: predicted)%n", "class", "accuracy"));
        double[] pc = perClassAccuracy();
        for (int i = 0; i < confusion.length; i++) {
            String name = names != null && i < names.size() ? names.get(i) : "class " + i;
            b.append(String.format(Locale.ROOT, "%-" + width + "s %7.2f%%  ", name, 100 * pc[i]));
            for (long v : confusion[i]) b.append(String.format(Locale.ROOT, " %5d", v));
            b.append('\n');
        }
        return b.toString();
    }
}
