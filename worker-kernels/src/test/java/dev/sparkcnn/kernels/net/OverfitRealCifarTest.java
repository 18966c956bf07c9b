package dev.sparkcnn.kernels.net;

import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.loss.SoftmaxCrossEntropy;
import dev.sparkcnn.kernels.optim.Adam;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeNet-5 memorises 100 real CIFAR-10 training images (10 per class): the whole kernel learns. */
class OverfitRealCifarTest {

    @Test
    void lenet5ReachesFullTrainingAccuracyOnHundredRealImages() throws Exception {
        Path dir = TestCifar.subset(10);
        List<Path> files = new ArrayList<>();
        for (String name : CifarRecords.TRAIN_FILES) files.add(dir.resolve(name));
        CifarBlock block = CifarBlock.readAll(files);
        int n = block.size();
        assertEquals(100, n);
        CifarBlock.ChannelStats stats = block.channelMeanStd();
        float[] x = new float[n * CifarRecords.IMAGE_BYTES];
        block.toFloat(0, n, x, 0, stats.meanAsFloats(), stats.stdAsFloats());
        int[] labels = new int[n];
        block.copyLabels(0, n, labels, 0);

        Network net = ModelSpec.resolve("lenet5").build();
        Workspace ws = net.newWorkspace(n, Gemms.create());
        Context ctx = ws.context();
        ctx.params = net.initParams(2026);
        ctx.grads = new float[net.paramCount()];
        ctx.training = true;
        Adam adam = new Adam(net.paramCount(), 0.9f, 0.999f, 1e-8f, 0f, false);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double firstLoss = -1, lastLoss = 0;
        int correct = 0, steps = 0;
        while (steps < 400 && correct < n) {
            Arrays.fill(ctx.grads, 0f);
            lastLoss = ws.trainStep(x, labels, 0, n, loss, 1f / n) / n;
            correct = ws.lastCorrect();
            if (firstLoss < 0) firstLoss = lastLoss;
            adam.step(ctx.params, ctx.grads, 2e-3f);
            steps++;
        }
        // the accuracy above is of the parameters before the last update; check the final ones too
        ctx.training = false;
        int finalCorrect = dev.sparkcnn.kernels.loss.Loss.correct(ws.forward(x, n), n, 10, labels, 0);
        System.out.printf("lenet5 on 100 real images: loss %.3f -> %.4f, %d/100 correct after %d full-batch steps%n",
                firstLoss, lastLoss, finalCorrect, steps);
        assertTrue(firstLoss > 2.0, "starts near ln 10, got " + firstLoss);
        assertEquals(n, correct, "training accuracy after " + steps + " steps");
        assertEquals(n, finalCorrect, "training accuracy of the final parameters");
    }
}
