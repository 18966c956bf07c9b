package dev.sparkcnn.driver.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.data.TestCifar;
import dev.sparkcnn.kernels.layers.Context;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.layers.MaxPool2d;
import dev.sparkcnn.kernels.layers.Window;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.spec.ModelSpec;
import dev.sparkcnn.kernels.tensor.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every shipped model and specs covering every other layer option, trained for a few steps on real
 * CIFAR-10 images, exported, run in ONNX Runtime on 200 real test images and compared with our
 * Predictor: the probabilities within 1e-4, the same predicted class for every image.
 */
class OnnxExportTest {

    static final int IMAGES = 200;
    static final double TOLERANCE = 1e-4;

    /**
     * Convolution: rectangular 3x5 with stride 2, unequal padding and a ceil-rounded last window; dilation
     * without bias. Pooling: a ceil-rounded 2x2 whose last window overhangs the input, an average pool with
     * padding and a ceil-rounded window past the padding (the average excludes both), an overlapping padded
     * max pool. Then an explicit flatten, fc without bias, batch norm of a vector (its own epsilon), the other activations,
     * dropout, fc.
     */
    static final String WINDOWS = String.join("\n",
            "input 3x32x32",
            "conv filters=6 size=3x5 stride=2 pad=1x2 round=ceil   # 6x17x17 (floor would give 16)",
            "leakyrelu slope=0.1",
            "avgpool size=2 stride=2 round=ceil                     # 6x9x9: the last window covers one column",
            "conv filters=8 size=2 dilation=3 pad=1 bias=false      # 8x8x8",
            "batchnorm",
            "tanh",
            "avgpool size=3 stride=2 pad=1 round=ceil               # 8x5x5: last window from 7, past the padding",
            "maxpool size=3 stride=2 pad=1                          # 8x3x3",
            "sigmoid",
            "flatten",
            "fc units=16 bias=false",
            "batchnorm eps=0.001",
            "softplus",
            "dropout p=0.3",
            "fc units=10");

    /**
     * A floor-rounded strided conv that leaves the last input row and column unused, residual blocks with
     * a projection that only changes channels, with stride, and an identity one, a max pool that floors,
     * fc, then a 1x1 conv on the fc output and global average pooling; trained with the SVM loss.
     */
    static final String BLOCKS = String.join("\n",
            "input 3x32x32",
            "conv filters=4 size=4 stride=3 round=floor   # 4x10x10: (32 - 4)/3 + 1 = 10.33",
            "residual filters=8                           # projection 4 -> 8 channels, stride 1",
            "residual filters=8 stride=2                  # projection with stride: 8x5x5",
            "residual filters=8                           # identity",
            "maxpool size=3 stride=2 round=floor          # 8x2x2",
            "fc units=12",
            "relu",
            "conv filters=10 size=1                       # on (N, 12) seen as (N, 12, 1, 1)",
            "globalavgpool",
            "loss svm");

    private static Path data;
    private static CifarBlock test;
    private static float[] pixels;
    private static OrtEnvironment env;

    @BeforeAll
    static void setUp() {
        data = TestCifar.subset(20);   // 200 training and 200 test images
        test = OnnxRuntimeCheck.testImages(data);
        assertEquals(IMAGES, test.size());
        pixels = OnnxRuntimeCheck.pixels(test, 0, IMAGES);
        env = OrtEnvironment.getEnvironment();
    }

    static Stream<ModelSpec> models() {
        return Stream.of(ModelSpec.resolve("cifar-quick"), ModelSpec.resolve("lenet5"), ModelSpec.resolve("resnet20"),
                ModelSpec.resolve("cifar-fcn"), ModelSpec.parse(WINDOWS, "windows"), ModelSpec.parse(BLOCKS, "blocks"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void onnxRuntimeReproducesThePredictor(ModelSpec spec) throws Exception {
        SavedModel model = OnnxRuntimeCheck.trained(spec, data, 3, 7);
        float[][] ours = new Predictor(model).probabilities(test);
        byte[] onnx = OnnxExporter.export(model).toByteArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(onnx, options)) {
            float[][] theirs = OnnxRuntimeCheck.run(env, session, pixels, IMAGES);
            assertEquals(IMAGES, theirs.length);
            double maxDiff = 0;
            int classes = ours[0].length, agree = 0;
            double spread = 0;
            for (int i = 0; i < IMAGES; i++) {
                assertEquals(classes, theirs[i].length, "classes");
                for (int j = 0; j < classes; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(ours[i][j] - theirs[i][j]));
                    spread = Math.max(spread, Math.abs(ours[i][j] - ours[0][j]));
                }
                assertEquals(Predictor.argmax(ours[i]), Predictor.argmax(theirs[i]), spec.source() + ": predicted class of image " + i);
                if (Predictor.argmax(ours[i]) == test.label(i)) agree++;
            }
            System.out.printf("%s: max |p_onnx - p_ours| = %.3g over %d images (%d correct after 3 steps)%n",
                    spec.source(), maxDiff, IMAGES, agree);
            assertTrue(maxDiff <= TOLERANCE, spec.source() + ": max probability difference " + maxDiff);
            assertTrue(spread > 1e-3, spec.source() + ": the probabilities differ between images (the model is not constant)");

            // the batch is dynamic: 7 images give the same rows as in the batch of 200
            float[][] few = OnnxRuntimeCheck.run(env, session, OnnxRuntimeCheck.pixels(test, 0, 7), 7);
            for (int i = 0; i < 7; i++) assertArrayEquals(theirs[i], few[i], 1e-6f, "image " + i + " alone");
        }
    }

    @Test
    void inputOutputOpsetAndMetadata() throws Exception {
        SavedModel model = OnnxRuntimeCheck.trained(ModelSpec.resolve("lenet5"), data, 1, 3);
        ModelProto proto = OnnxExporter.export(model);
        assertEquals(OnnxExporter.OPSET, proto.getOpsetImport(0).getVersion());
        assertEquals("", proto.getOpsetImport(0).getDomain());
        assertEquals(OnnxExporter.IR_VERSION, proto.getIrVersion());
        assertTrue(proto.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Dropout")));
        try (OrtSession session = env.createSession(proto.toByteArray(), new OrtSession.SessionOptions())) {
            NodeInfo in = session.getInputInfo().get(OnnxExporter.INPUT);
            assertArrayEquals(new long[] {-1, 3, 32, 32}, ((TensorInfo) in.getInfo()).getShape(), "dynamic batch of CIFAR images");
            NodeInfo out = session.getOutputInfo().get(OnnxExporter.OUTPUT);
            assertArrayEquals(new long[] {-1, 10}, ((TensorInfo) out.getInfo()).getShape());

            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertEquals(model.spec().text(), meta.get("spec"));
            assertEquals(CifarClasses.NAMES, Json.parseObject("{\"c\":" + meta.get("classes") + "}").get("c"));
            Map<String, Object> norm = Json.parseObject(meta.get("normalization"));
            float[] mean = model.normalization().mean(), std = model.normalization().std();
            for (int c = 0; c < 3; c++) {
                assertEquals(mean[c], ((Number) ((List<?>) norm.get("mean")).get(c)).floatValue());
                assertEquals(std[c], ((Number) ((List<?>) norm.get("std")).get(c)).floatValue());
            }
            assertTrue(model.trainingConfig().contains("batch.size = 20"), model.trainingConfig());
            assertEquals(model.trainingConfig(), meta.get("training_config"));
            assertEquals(OnnxExporter.sha256(model.trainingConfig()), meta.get("training_config_sha256"));
            assertEquals(64, meta.get("training_config_sha256").length());
            assertEquals("spark-cnn", session.getMetadata().getProducerName());
        }
    }

    @Test
    void aModelFileWithoutTrainingConfigExportsWithoutDigest() {
        SavedModel trained = OnnxRuntimeCheck.trained(ModelSpec.resolve("lenet5"), data, 1, 3);
        assertEquals(trained.trainingConfig(), SavedModel.fromFile(trained.toFile(), "new").trainingConfig(), "kept in the model file");
        SavedModel old = SavedModel.fromFile(new SavedModel(trained.spec(), trained.normalization(), trained.params(), trained.state())
                .toFile(), "a model file without the config section");
        assertEquals(null, old.trainingConfig());
        Map<String, String> meta = OnnxExporter.metadata(old);
        assertTrue(!meta.containsKey("training_config") && !meta.containsKey("training_config_sha256"), meta.keySet().toString());
        assertTrue(meta.containsKey("spec") && meta.containsKey("classes") && meta.containsKey("normalization"));
    }

    @Test
    void aPoolingWindowThatSeesOnlyPaddingIsRefusedByName() {
        Shape in = new Shape(3, 32, 32);
        // 17 windows of 2 with stride 2 over 32 rows: the last one would start at row 32, past the input.
        // Window.of never makes this (ceil rounding drops such a window); ONNX cannot express it either.
        Window past = new Window(2, 2, 2, 2, 0, 0, 1, 1, 17, 16);
        Network net = new Network(in, List.of(new MaxPool2d(in, past)));
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxExporter.export(net, new float[0], new float[0],
                norm(), Map.of()));
        assertTrue(e.getMessage().startsWith("maxpool (layer 0) cannot be exported to ONNX: along the height its last window starts at 32, "
                + "past the input (32)"), e.getMessage());
    }

    @Test
    void aLayerWithoutAnOnnxOperatorIsRefusedByName() {
        Shape in = new Shape(3, 32, 32);
        Network net = new Network(in, List.of(new Negate(in)));
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxExporter.export(net, new float[0], new float[0],
                norm(), Map.of()));
        assertEquals("negate (layer 0) cannot be exported to ONNX: the exporter has no operator for Negate layers", e.getMessage());
    }

    @Test
    void aNormalisationOfAnotherChannelCountIsRefused() {
        Network net = ModelSpec.parse("input 1x28x28\nconv filters=4 size=5\nfc units=10", "mnist").build();
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxExporter.export(net, net.initParams(1),
                net.initState(), norm(), Map.of()));
        assertTrue(e.getMessage().contains("1x28x28") && e.getMessage().contains("3 channels"), e.getMessage());
    }

    @Test
    void theInputShapeAndStatisticsComeFromTheModel() {
        Network net = ModelSpec.parse("input 1x40x24\nconv filters=4 size=5\nfc units=3", "grey").build();
        Normalization grey = new Normalization(new float[] {0.4f}, new float[] {0.2f});
        ModelProto m = OnnxExporter.export(net, net.initParams(1), net.initState(), grey, Map.of());
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension d : m.getGraph().getInput(0).getType().getTensorType().getShape().getDimList()) {
            dims.add(d.hasDimValue() ? d.getDimValue() : -1L);
        }
        assertEquals(java.util.List.of(-1L, 1L, 40L, 24L), dims);
        boolean found = false;
        for (ai.onnx.proto.OnnxMl.TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getName().equals("normalize.scale")) {
                assertEquals(java.util.List.of(1L, 1L, 1L, 1L), t.getDimsList(), "one channel");
                float scale = java.nio.ByteBuffer.wrap(t.getRawData().toByteArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(0);
                assertEquals(1f / (255f * 0.2f), scale, 0f);
                found = true;
            }
        }
        assertTrue(found, "the graph normalises with the model's one-channel statistics");
    }

    private static Normalization norm() {
        return new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    }

    /** A layer kind the exporter does not know. */
    private static final class Negate extends Layer {
        Negate(Shape in) {
            super("negate", in, in);
        }

        @Override
        public void forward(Context ctx, Object work, float[] x, float[] y, int n) {
            for (int i = 0; i < n * in.size(); i++) y[i] = -x[i];
        }

        @Override
        public void backward(Context ctx, Object work, float[] x, float[] y, float[] dy, float[] dx, int n) {
            if (dx != null) for (int i = 0; i < n * in.size(); i++) dx[i] = -dy[i];
        }

        @Override
        public String describe() {
            return "";
        }
    }
}
