package dev.sparkcnn.driver.model;

import dev.sparkcnn.driver.data.ImageFiller;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.loss.SoftmaxCrossEntropy;
import dev.sparkcnn.kernels.net.Workspace;

/**
 * Class probabilities of a saved model for uint8 CHW images (CIFAR layout), in evaluation mode
 * (running batch-norm statistics, no dropout), a batch at a time. One per thread.
 */
public final class Predictor {

    public static final int BATCH = 64;

    private final SavedModel model;
    private final Workspace ws;
    private final ImageFiller filler;
    private final float[] x;
    private final int classes;

    public Predictor(SavedModel model) {
        this.model = model;
        this.ws = model.network().newWorkspace(BATCH, Gemms.create());
        Context ctx = ws.context();
        ctx.params = model.params();
        ctx.state = model.state();
        ctx.training = false;
        this.filler = new ImageFiller(model.normalization());
        this.x = new float[BATCH * model.network().inputShape().size()];
        this.classes = model.network().outputShape().size();
    }

    public int classes() {
        return classes;
    }

    /** {@code count} images in the model's input layout (C x H x W uint8 each) as a block to score. */
    public CifarBlock block(byte[] pixels, int count) {
        dev.sparkcnn.kernels.tensor.Shape in = model.network().inputShape();
        return new CifarBlock(pixels, new byte[count], in.channels(), in.height(), in.width(), Math.max(1, Math.min(classes, CifarBlock.MAX_CLASSES)));
    }

    /** Probabilities (n, classes) for the images of a block: the softmax of {@link #scores}. */
    public float[][] probabilities(CifarBlock block) {
        float[][] out = scores(block);
        for (float[] row : out) SoftmaxCrossEntropy.softmax(row.clone(), 0, classes, row, 0);
        return out;
    }

    /** Raw scores (logits) for the images of a block. */
    public float[][] scores(CifarBlock block) {
        float[][] out = new float[block.size()][];
        int size = model.network().inputShape().size();
        for (int start = 0; start < block.size(); start += BATCH) {
            int n = Math.min(BATCH, block.size() - start);
            for (int j = 0; j < n; j++) filler.fill(block, start + j, x, j * size);
            float[] logits = ws.forward(x, n);
            for (int j = 0; j < n; j++) {
                out[start + j] = java.util.Arrays.copyOfRange(logits, j * classes, (j + 1) * classes);
            }
        }
        return out;
    }

    public static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return best;
    }
}
