package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * What {@link CnnClassificationModel#transform} runs in every partition: one {@link Predictor}
 * built from the broadcast model file, fed {@value Predictor#BATCH} rows at a time; each row comes
 * out with the prediction (double), the probabilities (softmax) and the raw prediction (logits)
 * appended, those that are enabled, in that order. Rows are pulled lazily, a batch at a time.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> modelFile;
    private final FeaturesColumn features;
    private final int featuresField;
    private final boolean prediction, probability, raw;

    PartitionScorer(Broadcast<byte[]> modelFile, FeaturesColumn features, int featuresField,
                    boolean prediction, boolean probability, boolean raw) {
        this.modelFile = modelFile;
        this.features = features;
        this.featuresField = featuresField;
        this.prediction = prediction;
        this.probability = probability;
        this.raw = raw;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        String source = "the broadcast model";
        Predictor predictor = new Predictor(SavedModel.fromFile(ModelFile.fromBytes(modelFile.value(), source, "model"), source));
        int partition = TaskContext.getPartitionId();
        return new Iterator<>() {
            private final Row[] in = new Row[Predictor.BATCH];
            private final Row[] out = new Row[Predictor.BATCH];
            private int count, next;
            private long rowsSeen;

            @Override
            public boolean hasNext() {
                if (next == count) {
                    count = 0;
                    next = 0;
                    while (count < in.length && rows.hasNext()) in[count++] = rows.next();
                    if (count > 0) score();
                }
                return next < count;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                Row r = out[next];
                out[next++] = null;
                return r;
            }

            private void score() {
                int size = features.imageBytes();
                byte[] pixels = new byte[count * size];
                for (int j = 0; j < count; j++) {
                    features.read(in[j], featuresField, pixels, j * size, "row " + (rowsSeen + j) + " of partition " + partition);
                }
                float[][] logits = predictor.scores(predictor.block(pixels, count));
                for (int j = 0; j < count; j++) {
                    out[j] = withScores(in[j], logits[j]);
                    in[j] = null;
                }
                rowsSeen += count;
            }
        };
    }

    private Row withScores(Row row, float[] logits) {
        int n = row.size();
        Object[] values = new Object[n + (prediction ? 1 : 0) + (probability ? 1 : 0) + (raw ? 1 : 0)];
        for (int i = 0; i < n; i++) values[i] = row.get(i);
        int best = Predictor.argmax(logits);
        if (prediction) values[n++] = (double) best;
        if (probability) values[n++] = new DenseVector(softmax(logits, best));
        if (raw) {
            double[] z = new double[logits.length];
            for (int k = 0; k < z.length; k++) z[k] = logits[k];
            values[n] = new DenseVector(z);
        }
        return RowFactory.create(values);
    }

    /** exp(z - max) / sum, in double (so the probabilities sum to 1 within 1e-15). */
    static double[] softmax(float[] logits, int argmax) {
        double max = logits[argmax], sum = 0;
        double[] p = new double[logits.length];
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.exp(logits[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) p[k] /= sum;
        return p;
    }
}
