package dev.sparkcnn.driver.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.driver.metrics.Json;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.layers.Activation;
import dev.sparkcnn.kernels.layers.AvgPool2d;
import dev.sparkcnn.kernels.layers.BatchNorm;
import dev.sparkcnn.kernels.layers.Conv2d;
import dev.sparkcnn.kernels.layers.Dropout;
import dev.sparkcnn.kernels.layers.Flatten;
import dev.sparkcnn.kernels.layers.Layer;
import dev.sparkcnn.kernels.layers.Linear;
import dev.sparkcnn.kernels.layers.MaxPool2d;
import dev.sparkcnn.kernels.layers.ResidualBlock;
import dev.sparkcnn.kernels.layers.Window;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.tensor.Shape;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sparkcnn.driver.onnx.OnnxGraph.integer;
import static dev.sparkcnn.driver.onnx.OnnxGraph.ints;
import static dev.sparkcnn.driver.onnx.OnnxGraph.real;

/**
 * Writes a trained model as an ONNX model that computes exactly what our {@code Predictor} does:
 *
 * <pre>
 *   pixels:        (N, C, H, W) float32 (the model's input, e.g. 3 x 32 x 32), raw 0..255 values, R, G, B planes; N dynamic
 *   normalisation: pixels * scale + shift per channel, the same float32 scale = 1/(255 std) and
 *                  shift = -mean/std as our ImageFiller (Mul, Add)
 *   layers:        one ONNX operator (or a few) per layer, evaluation mode: BatchNormalization with the
 *                  running statistics, dropout left out
 *   probabilities: (N, classes) float32, Softmax over the flattened output
 * </pre>
 *
 * The protobuf is built with the classes generated from the official {@code onnx-ml.proto}
 * ({@code ai.onnx.proto.OnnxMl}, IR version 9), at {@value #OPSET} of the default domain.
 * Model metadata carries the spec text, the class names, the normalisation and the training
 * configuration with its SHA-256.
 *
 * <p>Windows: ONNX's Conv and pooling compute {@code floor((W + pads - span)/S) + 1} outputs. Our
 * {@code round=floor} and exact shapes are that with symmetric pads; {@code round=ceil} (a last window
 * that runs past the right padding) is written as extra end padding, never as {@code ceil_mode}, whose
 * rounding rules have changed between ONNX versions. Extra padding is exact for us: convolution pads
 * with zeros as we do, max pooling ignores padding as we do, and average pooling with
 * {@code count_include_pad=0} divides by the covered input pixels as we do. What cannot be written
 * this way (a pooling window that would see only padding) is refused, naming the layer.
 */
public final class OnnxExporter {

    /** The ONNX operator set (ONNX 1.15): the newest whose IR version is that of our generated schema. */
    public static final int OPSET = 20;
    /** IR version of the onnx-ml.proto the classes were generated from (IR_VERSION_2023_5_5). */
    public static final int IR_VERSION = 9;
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";
    /** The name of the dynamic batch dimension of input and output. */
    public static final String BATCH = "N";
    static final Shape CIFAR = new Shape(3, 32, 32);

    private OnnxExporter() {
    }

    /** The ONNX model of a saved model, with its metadata. */
    public static ModelProto export(SavedModel model) {
        return export(model.network(), model.params(), model.state(), model.normalization(), metadata(model));
    }

    /** Writes the ONNX model to {@code location} (any Hadoop URI) atomically; returns its size in bytes. */
    public static long write(SavedModel model, String location, Configuration conf) {
        byte[] bytes = export(model).toByteArray();
        CheckpointStore.writeAtomically(new Path(location), bytes, conf);
        return bytes.length;
    }

    /**
     * The metadata written into {@code metadata_props}: {@code spec} (the spec text), {@code classes}
     * (JSON list of names), {@code input}, {@code output}, {@code normalization} (JSON: mean and std of
     * the 0..1 pixels per channel) and, when the model file has it, {@code training_config} and
     * {@code training_config_sha256} (of its UTF-8 text).
     */
    public static Map<String, String> metadata(SavedModel model) {
        int classes = model.network().outputShape().size();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("spec", model.spec().text());
        Shape in = model.network().inputShape();
        m.put("classes", Json.value(model.classNames()));
        m.put("input", INPUT + ": " + BATCH + " x " + in.channels() + " x " + in.height() + " x " + in.width()
                + " float32, pixel values 0..255, channel planes " + (in.channels() == 1 ? "(grey)" : "R, G, B")
                + " (CIFAR-10 layout); the graph normalises them");
        m.put("output", OUTPUT + ": " + BATCH + " x " + classes + " float32, the softmax of the logits, in the order of 'classes'");
        Map<String, Object> norm = new LinkedHashMap<>();
        norm.put("mean", model.normalization().mean());
        norm.put("std", model.normalization().std());
        norm.put("formula", "(pixel/255 - mean)/std per channel");
        m.put("normalization", Json.value(norm));
        if (model.trainingConfig() != null) {
            m.put("training_config", model.trainingConfig());
            m.put("training_config_sha256", sha256(model.trainingConfig()));
        }
        return m;
    }

    /** SHA-256 of a text's UTF-8 bytes, lower-case hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The graph of a network with its parameters and state; {@code metadata} goes into metadata_props. */
    static ModelProto export(Network net, float[] params, float[] state, Normalization norm, Map<String, String> metadata) {
        Shape in = net.inputShape();
        if (in.isVector() || norm.channels() != in.channels()) {
            throw new OnnxExportException("the model's input is " + in + " with a normalisation of " + norm.channels()
                    + " channels; the ONNX export takes C x H x W pixels with one mean and std per channel");
        }
        if (params.length != net.paramCount() || state.length != net.stateCount()) {
            throw new IllegalArgumentException("the network needs " + net.paramCount() + " parameters and " + net.stateCount()
                    + " state values, got " + params.length + " and " + state.length);
        }
        int classes = net.outputShape().size();
        String dims = in.channels() + " x " + in.height() + " x " + in.width();
        OnnxGraph g = new OnnxGraph("spark-cnn", "pixels 0..255 (N x " + dims + ") -> normalisation -> "
                + net.layerCount() + " layers -> softmax (N x " + classes + ")");
        g.input(INPUT, BATCH, -1, in.channels(), in.height(), in.width());
        Value x = normalise(g, norm, in);
        Writer w = new Writer(g, params, state);
        for (Layer layer : net.layers()) x = w.layer(layer, x);
        x = w.flat(x, "flatten_output");
        String probabilities = g.node("Softmax", "softmax", OUTPUT, List.of(x.name), integer("axis", 1));
        g.output(probabilities, BATCH, -1, classes);

        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("spark-cnn")
                .setProducerVersion("0.1.0")
                .setDomain("dev.sparkcnn")
                .setModelVersion(1)
                .setDocString("A spark-cnn model: " + INPUT + " (" + BATCH + " x " + dims + ", 0..255) -> " + OUTPUT
                        + " (" + BATCH + " x " + classes + ")")
                .setGraph(g.build());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return model.build();
    }

    /** (pixel * scale + shift) per channel, the float32 operations of our ImageFiller in the same order. */
    private static Value normalise(OnnxGraph g, Normalization norm, Shape in) {
        float[] mean = norm.mean(), std = norm.std();
        int channels = in.channels();
        float[] scale = new float[channels], shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
        String scaled = g.node("Mul", "normalize_scale", List.of(INPUT, g.floats("normalize.scale", scale, 0, 1, channels, 1, 1)));
        String shifted = g.node("Add", "normalize_shift", List.of(scaled, g.floats("normalize.shift", shift, 0, 1, channels, 1, 1)));
        return new Value(shifted, in, false);
    }

    /** A value in the graph: its name, our shape of one sample, and whether ONNX holds it as (N, C*H*W). */
    private record Value(String name, Shape shape, boolean flat) {
    }

    /** Emits the operators of each layer, reading weights at the layer's offsets. */
    private static final class Writer {
        private final OnnxGraph g;
        private final float[] params;
        private final float[] state;

        Writer(OnnxGraph g, float[] params, float[] state) {
            this.g = g;
            this.params = params;
            this.state = state;
        }

        Value layer(Layer layer, Value x) {
            String name = "layer" + layer.index() + "_" + layer.kind();
            String where = layer.label();
            if (layer instanceof Conv2d c) return conv(c, x, name, where);
            if (layer instanceof MaxPool2d p) return pool("MaxPool", p.window(), layer, x, name, where);
            if (layer instanceof AvgPool2d p) {
                if (p.isGlobal()) return new Value(g.node("GlobalAveragePool", name, List.of(spatial(x, name).name)), layer.outputShape(), false);
                return pool("AveragePool", p.window(), layer, x, name, where);
            }
            if (layer instanceof BatchNorm b) return batchNorm(b, x, name);
            if (layer instanceof Activation a) return activation(a, x, name);
            if (layer instanceof Dropout) return x;   // evaluation mode: the identity
            if (layer instanceof Flatten) return flat(x, name);
            if (layer instanceof Linear l) return linear(l, x, name);
            if (layer instanceof ResidualBlock r) return residual(r, x, name, where);
            throw new OnnxExportException(where + " cannot be exported to ONNX: the exporter has no operator for "
                    + layer.getClass().getSimpleName() + " layers");
        }

        /** Weights (K, C, kh, kw) are our (K, C*kh*kw) row-major array as it is; bias (K) follows. */
        private Value conv(Conv2d c, Value x, String name, String where) {
            x = spatial(x, name);
            Window w = c.window();
            Shape in = c.inputShape();
            int k = c.filters(), weights = k * in.channels() * w.kh() * w.kw();
            List<String> inputs = new ArrayList<>(List.of(x.name,
                    g.floats(name + ".weight", params, c.paramOffset(), k, in.channels(), w.kh(), w.kw())));
            if (c.hasBias()) inputs.add(g.floats(name + ".bias", params, c.paramOffset() + weights, k));
            String y = g.node("Conv", name, inputs, ints("kernel_shape", w.kh(), w.kw()), ints("strides", w.sh(), w.sw()),
                    ints("pads", pads(w, in, where, false)), ints("dilations", w.dh(), w.dw()), integer("group", 1));
            return new Value(y, c.outputShape(), false);
        }

        private Value pool(String op, Window w, Layer layer, Value x, String name, String where) {
            x = spatial(x, name);
            String y = op.equals("MaxPool")
                    ? g.node(op, name, List.of(x.name), ints("kernel_shape", w.kh(), w.kw()), ints("strides", w.sh(), w.sw()),
                            ints("pads", pads(w, layer.inputShape(), where, true)))
                    // our average excludes the padding: it divides by the input pixels the window covers
                    : g.node(op, name, List.of(x.name), ints("kernel_shape", w.kh(), w.kw()), ints("strides", w.sh(), w.sw()),
                            ints("pads", pads(w, layer.inputShape(), where, true)), integer("count_include_pad", 0));
            return new Value(y, layer.outputShape(), false);
        }

        /** Inference mode: the running mean and variance; gamma, beta (C) in the parameters, mean, var (C) in the state. */
        private Value batchNorm(BatchNorm b, Value x, String name) {
            int c = b.channels();
            String y = g.node("BatchNormalization", name, List.of(x.name,
                    g.floats(name + ".gamma", params, b.paramOffset(), c),
                    g.floats(name + ".beta", params, b.paramOffset() + c, c),
                    g.floats(name + ".running_mean", state, b.stateOffset(), c),
                    g.floats(name + ".running_var", state, b.stateOffset() + c, c)),
                    real("epsilon", b.eps()));
            return new Value(y, b.outputShape(), x.flat);
        }

        private Value activation(Activation a, Value x, String name) {
            String y;
            switch (a.function()) {
                case RELU: y = g.node("Relu", name, List.of(x.name)); break;
                case LEAKYRELU: y = g.node("LeakyRelu", name, List.of(x.name), real("alpha", a.slope())); break;
                case SIGMOID: y = g.node("Sigmoid", name, List.of(x.name)); break;
                case TANH: y = g.node("Tanh", name, List.of(x.name)); break;
                case SOFTPLUS: y = g.node("Softplus", name, List.of(x.name)); break;
                default: throw new OnnxExportException(a.label() + ": no ONNX operator for activation " + a.function());
            }
            return new Value(y, a.outputShape(), x.flat);
        }

        /** y = x W^T + b with W our (K, D) row-major array: Gemm with transB. */
        private Value linear(Linear l, Value x, String name) {
            x = flat(x, name + "_flatten");
            List<String> inputs = new ArrayList<>(List.of(x.name,
                    g.floats(name + ".weight", params, l.paramOffset(), l.units(), l.inputs())));
            if (l.hasBias()) inputs.add(g.floats(name + ".bias", params, l.paramOffset() + l.units() * l.inputs(), l.units()));
            return new Value(g.node("Gemm", name, inputs, integer("transB", 1)), l.outputShape(), true);
        }

        /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut x itself or bn(conv1x1(x)). */
        private Value residual(ResidualBlock r, Value x, String name, String where) {
            x = spatial(x, name);
            Value main = conv(r.conv1(), x, name + "_conv1", where + ", first convolution");
            main = batchNorm(r.bn1(), main, name + "_bn1");
            main = new Value(g.node("Relu", name + "_relu1", List.of(main.name)), main.shape, false);
            main = conv(r.conv2(), main, name + "_conv2", where + ", second convolution");
            main = batchNorm(r.bn2(), main, name + "_bn2");
            Value shortcut = x;
            if (r.hasProjection()) {
                shortcut = conv(r.projectionConv(), x, name + "_projection", where + ", projection");
                shortcut = batchNorm(r.projectionBn(), shortcut, name + "_projection_bn");
            }
            String sum = g.node("Add", name + "_add", List.of(main.name, shortcut.name));
            return new Value(g.node("Relu", name, List.of(sum)), r.outputShape(), false);
        }

        /** (N, C, H, W) -> (N, C*H*W), channel-major: the order our flat arrays already have. */
        Value flat(Value x, String name) {
            if (x.flat) return x;
            return new Value(g.node("Flatten", name, List.of(x.name), integer("axis", 1)), Shape.vector(x.shape.size()), true);
        }

        /** A (N, K) value seen as (N, K, 1, 1), for a spatial layer after a fully connected one. */
        private Value spatial(Value x, String name) {
            if (!x.flat) return x;
            Shape s = x.shape;
            String shape = g.int64s(name + "_reshape.shape", 0, s.channels(), s.height(), s.width());
            return new Value(g.node("Reshape", name + "_reshape", List.of(x.name, shape)), s, false);
        }
    }

    /**
     * ONNX pads {@code [top, left, bottom, right]} that give exactly our window positions: our padding
     * at the start, and at the end our padding or, for a ceil-rounded last window that runs past it,
     * as much as that window needs (covered with zeros by Conv, ignored by the pools).
     */
    static long[] pads(Window w, Shape in, String where, boolean pooling) {
        long[] h = axis("height", in.height(), w.kh(), w.sh(), w.ph(), w.dh(), w.outH(), where, pooling);
        long[] v = axis("width", in.width(), w.kw(), w.sw(), w.pw(), w.dw(), w.outW(), where, pooling);
        return new long[] {h[0], v[0], h[1], v[1]};
    }

    private static long[] axis(String axis, int in, int k, int s, int p, int d, int out, String where, boolean pooling) {
        int span = d * (k - 1) + 1;
        int lastStart = (out - 1) * s - p;   // in input coordinates
        int end = Math.max(p, lastStart + span - in);
        if (pooling && (p >= k || lastStart >= in)) {
            throw new OnnxExportException(where + " cannot be exported to ONNX: along the " + axis + " its "
                    + (p >= k ? "first window (size " + k + ", padding " + p + ") covers only padding"
                              : "last window starts at " + lastStart + ", past the input (" + in + ")")
                    + ", and ONNX pooling has no window that sees only padding; reduce the padding or use round=floor");
        }
        int onnxOut = Math.floorDiv(in + p + end - span, s) + 1;
        if (onnxOut != out) {
            throw new OnnxExportException(where + " cannot be exported to ONNX: along the " + axis + " ONNX would compute "
                    + onnxOut + " outputs from input " + in + ", window " + k + ", stride " + s + ", padding " + p + "+" + end
                    + ", but the layer has " + out);
        }
        return new long[] {p, end};
    }
}
