package dev.sparkcnn.kernels.net;

import dev.sparkcnn.kernels.gemm.Gemms;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.loss.Loss;
import dev.sparkcnn.kernels.loss.SoftmaxCrossEntropy;
import dev.sparkcnn.kernels.optim.Sgd;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkTest {

    /** A small net with every kind of layer the gradient check should see together. */
    static final String SMALL = String.join("\n",
            "input 3x8x8",
            "conv filters=4 size=3 pad=1",
            "batchnorm",
            "tanh",
            "residual filters=6 stride=2",
            "dropout p=0.25",
            "conv filters=6 size=3 pad=1 dilation=1",
            "softplus",
            "avgpool size=2 stride=2",
            "fc units=7",
            "batchnorm",
            "leakyrelu slope=0.1",
            "fc units=5");

    static float[] randomInput(int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        return x;
    }

    private static double loss(Workspace ws, float[] x, int[] labels, int n, Loss loss) {
        Arrays.fill(ws.context().stats, 0f);
        float[] logits = ws.forward(x, n);
        return loss.forwardBackward(logits, n, ws.network().outputShape().size(), labels, 0, null, 1f);
    }

    @Test
    void wholeNetworkGradientCheck() {
        Network net = ModelSpec.parse(SMALL, "small").build();
        int n = 6;
        Workspace ws = net.newWorkspace(n, Gemms.create());
        Context ctx = ws.bindNewTraining(3);
        ctx.normGroupSize = 3;
        ctx.dropoutSeed = 17;
        ctx.sampleKeys = new long[] {10, 11, 12, 13, 14, 15};
        float[] x = randomInput(n * net.inputShape().size(), 4);
        int[] labels = {0, 1, 2, 3, 4, 0};
        Loss loss = new SoftmaxCrossEntropy();
        ws.trainStep(x, labels, 0, n, loss, 1f);
        float[] analytic = ctx.grads.clone();

        SplittableRandom pick = new SplittableRandom(5);
        int checked = 0;
        for (int s = 0; s < 150; s++) {
            int i = pick.nextInt(net.paramCount());
            dev.sparkcnn.kernels.layers.GradientChecks.compareAtSteps("parameter " + i, analytic[i], h -> {
                float saved = ctx.params[i];
                ctx.params[i] = (float) (saved + h);
                double plus = loss(ws, x, labels, n, loss);
                ctx.params[i] = (float) (saved - h);
                double minus = loss(ws, x, labels, n, loss);
                ctx.params[i] = saved;
                double step = (double) (float) (saved + h) - (double) (float) (saved - h);
                return (plus - minus) / step;
            });
            checked++;
        }
        assertEquals(150, checked);
    }

    /**
     * Every path a training step can take allocates nothing once warm: the implicit-GEMM convolutions
     * (pixels and channels, the weight gradient over pixels, cifar-quick and resnet20), the Vector-API
     * batch-norm and ReLU passes, im2col where a shape does not fit them
     * (lenet5's 28-wide and 6-filter layers, resnet20's strided convolutions, cifar-fcn's 10-filter
     * head) and everywhere ({@code -Dsparkcnn.conv=im2col}), the fused batch norms of the residual
     * blocks, overlapping padded max-pooling and dropout (cifar-fcn), and the general max-pool loop
     * of round=ceil on odd sizes.
     */
    @Test
    void trainingStepAllocatesNothingAfterWarmUp() {
        String oddCeil = "input 3x15x15\nconv filters=16 size=3 pad=1\nrelu\nmaxpool size=2 stride=2 round=ceil\n"
                + "batchnorm\nconv filters=16 size=3 pad=1\navgpool size=2 stride=2 round=ceil\nfc units=10";
        String[][] cases = {{"cifar-quick", "auto"}, {"resnet20", "auto"}, {"lenet5", "auto"}, {"cifar-fcn", "auto"},
                {oddCeil, "auto"}, {"cifar-quick", "im2col"}, {"resnet20", "im2col"}};
        for (String[] c : cases) {
            String model = c[0];
            String name = model.startsWith("input") ? "odd-ceil" : model;
            String saved = System.getProperty(Context.CONV_PROPERTY);
            System.setProperty(Context.CONV_PROPERTY, c[1]);
            Workspace ws;
            Network net;
            try {
                net = model.startsWith("input") ? ModelSpec.parse(model, "odd-ceil").build() : ModelSpec.resolve(model).build();
                ws = net.newWorkspace(4, Gemms.create());
            } finally {
                if (saved == null) System.clearProperty(Context.CONV_PROPERTY);
                else System.setProperty(Context.CONV_PROPERTY, saved);
            }
            int n = 4;
            Context ctx = ws.bindNewTraining(1);
            ctx.normGroupSize = 2;
            ctx.dropoutSeed = 3;
            float[] x = randomInput(n * net.inputShape().size(), 2);
            int[] labels = {1, 2, 3, 4};
            Loss loss = new SoftmaxCrossEntropy();
            Sgd sgd = new Sgd(net.paramCount(), 0.9f, true, 5e-4f);
            Runnable step = () -> {
                Arrays.fill(ctx.grads, 0f);
                Arrays.fill(ctx.stats, 0f);
                ws.trainStep(x, labels, 0, n, loss, 1f / n);
                sgd.step(ctx.params, ctx.grads, 0.01f);
                Network.applyStatistics(ctx.state, ctx.stats, ctx.normGroups(n), 0.1f);
            };
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            // warm up until the JIT has compiled the hot loops: interpreted Vector-API code boxes
            // every vector, compiled code keeps them in registers
            long deadline = System.nanoTime() + 60_000_000_000L;
            int warmUp = 0;
            while (System.nanoTime() < deadline) {
                long b = mx.getThreadAllocatedBytes(tid);
                step.run();
                warmUp++;
                if (warmUp >= 5 && mx.getThreadAllocatedBytes(tid) - b < 256) break;
            }
            long before = mx.getThreadAllocatedBytes(tid);
            int steps = 5;
            for (int i = 0; i < steps; i++) step.run();
            long perStep = (mx.getThreadAllocatedBytes(tid) - before) / steps;
            System.out.printf("%s (conv %s): %d bytes allocated per training step after %d warm-up steps%n", name, c[1], perStep, warmUp);
            // a float[] of one activation would be >= 16 KB here; allow only measurement noise
            assertTrue(perStep < 256, name + " (conv " + c[1] + "): a training step allocated " + perStep + " bytes");
        }
    }

    @Test
    void shippedModelsTakeTheImplicitGemmPathsWhereTheyFit() {
        // the allocation and speed claims are about these paths: a plan that fell back to im2col would
        // pass every numerical test, so pin which convolutions run which path (512-bit vectors: VL 16)
        Network quick = ModelSpec.resolve("cifar-quick").build();
        assertEquals("forward direct/pixels, dW direct/channels, dx direct/pixels",
                ((dev.sparkcnn.kernels.layers.Conv2d) quick.layer(3)).paths(16));
        assertEquals("forward direct/channels, dW direct/channels, dx direct/channels",
                ((dev.sparkcnn.kernels.layers.Conv2d) quick.layer(6)).paths(16));
        assertEquals("forward direct/pixels, dW direct/pixels, dx im2col",
                ((dev.sparkcnn.kernels.layers.Conv2d) quick.layer(0)).paths(16));
        assertEquals("forward im2col, dW im2col, dx im2col",
                ((dev.sparkcnn.kernels.layers.Conv2d) quick.layer(3)).paths(0), "no implicit kernels: im2col");
        // ResNet's 16-filter stage: the weight gradient over pixels (its lanes: 16 x 144 x 16 floats)
        Network resnet = ModelSpec.resolve("resnet20").build();
        dev.sparkcnn.kernels.layers.ResidualBlock stage1 = (dev.sparkcnn.kernels.layers.ResidualBlock) resnet.layer(3);
        assertEquals("forward direct/pixels, dW direct/pixels, dx direct/pixels", stage1.conv1().paths(16));
        // the 32- and 64-channel stages' same-size 3x3 convolutions: Winograd F(2x2, 3x3); their strided
        // first convolutions stay direct
        dev.sparkcnn.kernels.layers.ResidualBlock stage2 = (dev.sparkcnn.kernels.layers.ResidualBlock) resnet.layer(7);
        assertEquals("forward winograd, dW winograd, dx winograd", stage2.conv2().paths(16));
        assertEquals("forward winograd, dW winograd, dx winograd", stage2.conv1().paths(16));
        dev.sparkcnn.kernels.layers.ResidualBlock stage3first = (dev.sparkcnn.kernels.layers.ResidualBlock) resnet.layer(9);
        assertEquals("forward direct/channels, dW direct/channels, dx im2col", stage3first.conv1().paths(16));
        assertEquals("forward winograd, dW winograd, dx winograd", stage3first.conv2().paths(16));
        assertEquals("forward winograd, dW winograd, dx winograd",
                ((dev.sparkcnn.kernels.layers.ResidualBlock) resnet.layer(11)).conv1().paths(16));
        assertEquals("forward im2col, dW im2col, dx im2col",
                ((dev.sparkcnn.kernels.layers.ResidualBlock) resnet.layer(11)).conv1().paths(0), "no vector kernels: im2col (EJML)");
    }

    /** Trains a net for a few steps from a seed and returns the parameters. */
    static float[] train(String spec, long seed, int steps) {
        Network net = ModelSpec.parse(spec, "spec").build();
        int n = 6;
        Workspace ws = net.newWorkspace(n, Gemms.create());
        Context ctx = ws.bindNewTraining(seed);
        ctx.normGroupSize = 3;
        ctx.dropoutSeed = seed;
        Sgd sgd = new Sgd(net.paramCount(), 0.9f, false, 1e-4f);
        Loss loss = new SoftmaxCrossEntropy();
        SplittableRandom data = new SplittableRandom(seed);
        float[] x = new float[n * net.inputShape().size()];
        int[] labels = new int[n];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) data.nextGaussian();
            for (int i = 0; i < n; i++) {
                labels[i] = data.nextInt(5);
                ctx.sampleKeys[i] = ((long) s << 32) | i;
            }
            Arrays.fill(ctx.grads, 0f);
            Arrays.fill(ctx.stats, 0f);
            ws.trainStep(x, labels, 0, n, loss, 1f / n);
            sgd.step(ctx.params, ctx.grads, 0.05f);
            Network.applyStatistics(ctx.state, ctx.stats, ctx.normGroups(n), 0.1f);
        }
        float[] out = Arrays.copyOf(ctx.params, ctx.params.length + ctx.state.length);
        System.arraycopy(ctx.state, 0, out, ctx.params.length, ctx.state.length);
        return out;
    }

    /** ctx in training mode on the given parameters, with fresh gradients, state and statistics. */
    private static Context bindTraining(Context ctx, Network net, float[] params, int n) {
        ctx.params = params;
        ctx.grads = new float[net.paramCount()];
        ctx.state = net.initState();
        ctx.stats = new float[net.stateCount()];
        ctx.training = true;
        ctx.sampleKeys = new long[n];
        return ctx;
    }

    /**
     * The workspace runs a ReLU followed by a max pool as one pass: logits, parameter gradients and
     * batch-norm statistics must be bitwise those of the layers run one after the other through the
     * plain Layer API, for overlapping, padded and ceil-rounded windows and the 2x2 fast path, with
     * inputs on a coarse grid (ties and exact zeros in the windows) and windows whose maximum is negative.
     */
    @Test
    void fusedReluMaxPoolIsBitwiseTheLayersInTurn() {
        String[] specs = {
            String.join("\n", "input 3x9x9", "conv filters=4 size=3 pad=1", "relu", "maxpool size=3 stride=2",
                    "conv filters=5 size=3 pad=1", "relu", "maxpool size=2 stride=2 round=floor", "fc units=6", "relu",
                    "fc units=3"),
            String.join("\n", "input 2x8x8", "conv filters=16 size=3 pad=1", "batchnorm", "relu", "maxpool size=2",
                    "conv filters=3 size=1", "relu", "maxpool size=3 stride=2 pad=1 round=ceil", "fc units=3"),
            String.join("\n", "input 2x7x7", "conv filters=3 size=2", "relu", "maxpool size=2 stride=2 round=ceil",
                    "fc units=4"),
        };
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        for (String spec : specs) {
            Network net = ModelSpec.parse(spec, "fusion").build();
            int n = 5, classes = net.outputShape().size();
            for (long seed = 1; seed <= 4; seed++) {
                // inputs and weights on coarse grids: equal maxima and exact zeros happen in many windows (the
                // output layer's small initial weights still round to nonzero values at 1/32)
                float[] x = randomInput(n * net.inputShape().size(), seed);
                for (int i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2) / 2f;
                float[] params = net.initParams(seed);
                for (int i = 0; i < params.length; i++) params[i] = Math.round(params[i] * 32) / 32f;
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) labels[i] = (int) ((seed + i) % classes);

                Workspace ws = net.newWorkspace(n, Gemms.create());
                Context ctx = bindTraining(ws.context(), net, params, n);
                float[] dLogits = new float[n * classes];
                float[] logits = ws.forward(x, n).clone();
                loss.forwardBackward(logits, n, classes, labels, 0, dLogits, 1f);
                ws.backward(dLogits, n);

                Context ref = bindTraining(new Context(Gemms.create()), net, params, n);
                int layers = net.layerCount();
                float[][] act = new float[layers + 1][];
                Object[] work = new Object[layers];
                act[0] = x;
                for (int i = 0; i < layers; i++) {
                    var l = net.layer(i);
                    work[i] = l.allocate(n);
                    act[i + 1] = new float[n * l.outputShape().size()];
                    l.forward(ref, work[i], act[i], act[i + 1], n);
                }
                float[] dy = dLogits;
                for (int i = layers - 1; i >= 0; i--) {
                    float[] dx = i == 0 ? null : new float[n * net.layer(i).inputShape().size()];
                    net.layer(i).backward(ref, work[i], act[i], act[i + 1], dy, dx, n);
                    dy = dx;
                }
                String where = spec.replace('\n', '/') + ", seed " + seed;
                assertArrayEquals(act[layers], logits, where + ": logits");
                assertArrayEquals(ref.grads, ctx.grads, where + ": gradients");
                assertArrayEquals(ref.stats, ctx.stats, where + ": statistics");
                for (int i = 0; i < layers; i++) {
                    var l = net.layer(i);
                    boolean flows = l.paramCount() == 0;
                    for (int k = l.paramOffset(); k < l.paramOffset() + l.paramCount(); k++) flows |= ctx.grads[k] != 0f;
                    assertTrue(flows, where + ": layer " + i + " got a gradient");
                }
            }
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalParameters() {
        float[] a = train(SMALL, 42, 10);
        float[] b = train(SMALL, 42, 10);
        assertArrayEquals(a, b);
        float[] c = train(SMALL, 43, 10);
        assertTrue(!Arrays.equals(a, c), "another seed trains to other parameters");
    }

    @Test
    void lossFallsOnALearnableSyntheticTask() {
        // 4 classes: which quadrant of a 1x8x8 image is bright; noise everywhere
        Network net = ModelSpec.parse("input 1x8x8\nconv filters=4 size=3 pad=1\nrelu\nmaxpool size=2\nfc units=4", "quadrants").build();
        int n = 16;
        Workspace ws = net.newWorkspace(n, Gemms.create());
        Context ctx = ws.context();
        ctx.params = net.initParams(9);
        ctx.grads = new float[net.paramCount()];
        ctx.training = true;
        Sgd sgd = new Sgd(net.paramCount(), 0.9f, false, 0f);
        Loss loss = new SoftmaxCrossEntropy();
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n * 64];
        int[] labels = new int[n];
        double first = 0, last = 0;
        int correct = 0;
        for (int step = 0; step < 150; step++) {
            for (int i = 0; i < n; i++) {
                int q = r.nextInt(4);
                labels[i] = q;
                for (int p = 0; p < 64; p++) {
                    int row = p / 8, col = p % 8;
                    int quadrant = (row / 4) * 2 + col / 4;
                    x[i * 64 + p] = (float) (0.5 * r.nextGaussian() + (quadrant == q ? 1 : 0));
                }
            }
            Arrays.fill(ctx.grads, 0f);
            double l = ws.trainStep(x, labels, 0, n, loss, 1f / n) / n;
            if (step == 0) first = l;
            if (step >= 140) {
                last += l / 10;
                correct += ws.lastCorrect();
            }
            sgd.step(ctx.params, ctx.grads, 0.05f);
        }
        assertTrue(first > 1.0, "starts near ln 4 = 1.39, got " + first);
        assertTrue(last < 0.25 * first, "loss fell from " + first + " to only " + last);
        assertTrue(correct > 0.9 * 10 * n, "accuracy at the end " + correct / (10.0 * n));
    }

    @Test
    void evaluationUsesRunningStatisticsAndIsBatchIndependent() {
        Network net = ModelSpec.parse("input 2x4x4\nconv filters=3 size=3 pad=1\nbatchnorm\nrelu\nfc units=3", "bn").build();
        Workspace ws = net.newWorkspace(4, Gemms.create());
        Context ctx = ws.context();
        ctx.params = net.initParams(1);
        ctx.state = net.initState();
        ctx.stats = new float[net.stateCount()];
        ctx.training = false;
        float[] x = randomInput(4 * 32, 3);
        float[] all = ws.forward(x, 4).clone();
        float[] one = ws.forward(Arrays.copyOfRange(x, 64, 96), 1).clone();
        for (int k = 0; k < 3; k++) assertEquals(all[2 * 3 + k], one[k], 1e-6f, "sample 2 alone gives the same scores");

        float[] stats = new float[net.stateCount()];
        Arrays.fill(stats, 2f);   // two groups that each had mean 1 and variance 1... summed: 2
        float[] state = net.initState();   // mean 0, var 1
        Network.applyStatistics(state, stats, 2, 0.1f);
        for (int c = 0; c < 3; c++) {
            assertEquals(0.1f, state[c], 1e-7f, "running mean 0.9*0 + 0.1*1");
            assertEquals(1f, state[3 + c], 1e-7f, "running var 0.9*1 + 0.1*1");
        }
    }
}
