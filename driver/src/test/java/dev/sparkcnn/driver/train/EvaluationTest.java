package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Workspace;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Evaluation numbers against independent computations: the confusion-matrix figures, and distributed evaluation image by image. */
class EvaluationTest {

    @Test
    void figuresOfAConfusionMatrix() {
        EvalResult r = new EvalResult(3);
        int[][] pairs = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {1, 2}, {2, 2}, {2, 2}, {2, 0}};
        for (int[] p : pairs) r.add(p[0], p[1]);
        r.loss = 5.0;
        assertEquals(10, r.count());
        assertEquals(6, r.correct());
        assertEquals(0.6, r.accuracy(), 1e-15);
        assertEquals(0.5, r.meanLoss(), 1e-15);
        assertArrayEquals(new double[] {3 / 4.0, 1 / 3.0, 2 / 3.0}, r.perClassAccuracy(), 1e-15);
        assertArrayEquals(new long[] {3, 1, 0}, r.confusion[0], "rows are the true class");
        assertArrayEquals(new long[] {1, 0, 2}, r.confusion[2], "columns the prediction");

        EvalResult other = new EvalResult(3);
        other.add(1, 1);
        other.loss = 1.5;
        r.merge(other).merge(null);
        assertEquals(11, r.count());
        assertEquals(7, r.correct());
        assertEquals(6.5 / 11, r.meanLoss(), 1e-15);
        assertEquals(0.5, r.perClassAccuracy()[1], 1e-15);
        assertTrue(r.table().contains("accuracy 63.64% (7/11)"), r.table());

        EvalResult empty = new EvalResult(10);
        assertEquals(0, empty.accuracy());
        assertEquals(0, empty.meanLoss());
        assertArrayEquals(new double[10], empty.perClassAccuracy());
    }

    /** A batch-norm + dropout net with random weights and random running statistics, and the test set's own normalisation. */
    static SavedModel model(CifarBlock data) {
        ModelSpec spec = ModelSpec.parse(TrainingFixture.BN_DROPOUT, "bn-dropout");
        Network net = spec.build();
        float[] params = net.initParams(3), state = net.initState();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < state.length; i++) state[i] = (float) (state[i] + 0.2 * r.nextDouble());   // means 0..0.2, variances 1..1.2
        return new SavedModel(spec, Normalization.fromSums(Normalization.sums(data)), params, state);
    }

    /** Logits image by image, with the normalisation written out: (pixel / 255 - mean) / std. */
    static float[][] logits(SavedModel model, CifarBlock block) {
        Network net = model.network();
        Workspace ws = net.newWorkspace(1, Gemms.create());
        Context ctx = ws.context();
        ctx.params = model.params();
        ctx.state = model.state();
        ctx.training = false;
        float[] mean = model.normalization().mean(), std = model.normalization().std();
        float[][] out = new float[block.size()][];
        float[] x = new float[3072];
        for (int i = 0; i < block.size(); i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 1024; p++) x[c * 1024 + p] = (float) ((block.pixel(i, c, p / 32, p % 32) / 255.0 - mean[c]) / std[c]);
            }
            out[i] = ws.forward(x, 1).clone();
        }
        return out;
    }

    @Test
    void distributedEvaluationIsTheSumOverImages() throws Exception {
        CifarBlock test = CifarBlock.read(TrainingFixture.DATA.resolve(CifarRecords.TEST_FILE));
        SavedModel model = model(test);
        float[][] logits = logits(model, test);
        long[][] confusion = new long[10][10];
        double loss = 0;
        for (int i = 0; i < test.size(); i++) {
            int best = 0;
            for (int k = 1; k < 10; k++) if (logits[i][k] > logits[i][best]) best = k;
            confusion[test.label(i)][best]++;
            double max = logits[i][best], sum = 0;
            for (int k = 0; k < 10; k++) sum += Math.exp(logits[i][k] - max);
            loss += max + Math.log(sum) - logits[i][test.label(i)];
        }
        CifarFiles files = CifarFiles.resolve(TrainingFixture.DATA.resolve(CifarRecords.TEST_FILE).toString(), List.of(), new Configuration());
        for (int partitions : new int[] {1, 3}) {
            EvalResult r = Evaluator.evaluate(SparkTestContext.get(), model, files, partitions);
            assertEquals(test.size(), r.count());
            for (int t = 0; t < 10; t++) assertArrayEquals(confusion[t], r.confusion[t], partitions + " partitions, true class " + t);
            assertEquals(loss / test.size(), r.meanLoss(), 1e-5 * Math.abs(loss / test.size()), "mean cross-entropy");
        }
        long distinct = java.util.Arrays.stream(confusion).flatMapToLong(java.util.Arrays::stream).filter(v -> v > 0).count();
        assertTrue(distinct > 3, "a model that predicts more than one class: the comparison means something");
    }

    @Test
    void aModelForOtherDataIsRefusedBeforeAnyJob() {
        CifarBlock test = CifarBlock.fromBytes(new byte[3073 * 2], "two black images");
        ModelSpec five = ModelSpec.parse("input 3x32x32\nconv filters=2 size=3 pad=1\nrelu\nfc units=5\n", "five-classes.model");
        SavedModel m = new SavedModel(five, Normalization.fromSums(new long[] {2048, 2048, 2048, 2048, 4096, 4096, 4096}),
                five.build().initParams(1), new float[0]);
        CifarFiles files = CifarFiles.resolve(TrainingFixture.DATA.resolve(CifarRecords.TEST_FILE).toString(), List.of(), new Configuration());
        String msg = assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(SparkTestContext.get(), m, files, 2)).getMessage();
        assertTrue(msg.contains("five-classes.model") && msg.contains("scores 5 classes") && msg.contains("test_batch.bin has 10 classes"), msg);
        assertEquals(2, test.size());
    }
}
