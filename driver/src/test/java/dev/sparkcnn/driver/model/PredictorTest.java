package dev.sparkcnn.driver.model;

import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Workspace;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process predictor against a forward pass image by image and a softmax in double. */
class PredictorTest {

    @Test
    void probabilitiesAreTheSoftmaxOfTheLogitsOfEveryImage() throws Exception {
        CifarBlock test = CifarBlock.read(TestCifar.subset(15).resolve(CifarRecords.TEST_FILE));   // 150 images: 3 batches of 64
        ModelSpec spec = ModelSpec.resolve("lenet5");
        Network net = spec.build();
        SavedModel model = new SavedModel(spec, Normalization.fromSums(Normalization.sums(test)), net.initParams(8), net.initState());

        Workspace ws = net.newWorkspace(1, Gemms.create());
        Context ctx = ws.context();
        ctx.params = model.params();
        ctx.state = model.state();
        ctx.training = false;
        float[] mean = model.normalization().mean(), std = model.normalization().std();
        float[] x = new float[3072];

        Predictor predictor = new Predictor(model);
        float[][] p = predictor.probabilities(test);
        float[][] scores = predictor.scores(test);
        assertEquals(150, p.length);
        int[] votes = new int[10];
        for (int i = 0; i < test.size(); i++) {
            for (int c = 0; c < 3; c++) {
                for (int q = 0; q < 1024; q++) x[c * 1024 + q] = (float) ((test.pixel(i, c, q / 32, q % 32) / 255.0 - mean[c]) / std[c]);
            }
            float[] logits = ws.forward(x, 1);
            double max = Double.NEGATIVE_INFINITY, sum = 0, total = 0;
            for (float z : logits) max = Math.max(max, z);
            for (float z : logits) sum += Math.exp(z - max);
            for (int k = 0; k < 10; k++) {
                assertEquals(logits[k], scores[i][k], 1e-4 * (1 + Math.abs(logits[k])), "image " + i + " logit " + k);
                assertEquals(Math.exp(logits[k] - max) / sum, p[i][k], 1e-6, "image " + i + " class " + k);
                total += p[i][k];
            }
            assertEquals(1.0, total, 1e-5, "image " + i + " probabilities sum to 1");
            votes[Predictor.argmax(p[i])]++;
        }
        assertTrue(java.util.Arrays.stream(votes).filter(v -> v > 0).count() > 1, "the model does not predict one class only");
    }

    @Test
    void aModelWhoseNormalisationDoesNotFitItsInputIsRefused() {
        // any input shape is fine now (issue 15); a normalisation of another channel count is not
        ModelSpec gray = ModelSpec.parse("input 1x28x28\nfc units=10\n", "mnist.model");
        String msg = assertThrows(RuntimeException.class, () -> new SavedModel(gray, new Normalization(new float[3], new float[] {1, 1, 1}),
                gray.build().initParams(1), new float[0])).getMessage();
        assertTrue(msg.contains("3 channels") && msg.contains("1x28x28"), msg);
    }
}
