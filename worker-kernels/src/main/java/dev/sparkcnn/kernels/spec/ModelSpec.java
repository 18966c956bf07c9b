package dev.sparkcnn.kernels.spec;

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
import dev.sparkcnn.kernels.layers.ShapeException;
import dev.sparkcnn.kernels.layers.Window;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.tensor.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model spec: the hand-edited text file under {@code conf/models/} that describes a network.
 *
 * <pre>
 *   # comments start with '#', anywhere on a line
 *   input 3x32x32                       required, first: channels x height x width
 *   conv filters=32 size=5 pad=2        one layer per line: kind, then key=value pairs
 *   relu
 *   maxpool size=2 stride=2
 *   fc units=10
 *   loss softmax                        optional: softmax (default) or svm [margin=1]
 * </pre>
 *
 * Kinds and keys (defaults in brackets):
 * <ul>
 *   <li>{@code conv filters size [stride=1] [pad=0] [dilation=1] [bias=true] [init=he|xavier|output] [round=exact|floor|ceil]}
 *       (the last conv or fc line of a spec defaults to {@code init=output}, Glorot uniform x 0.1, the others to He);
 *       sizes may be rectangular: {@code size=3x5} is height 3, width 5</li>
 *   <li>{@code maxpool size [stride=size] [pad=0] [round]}, {@code avgpool} the same, {@code globalavgpool}</li>
 *   <li>{@code fc units [bias=true] [init]} (alias {@code linear}; flattens its input), {@code flatten}</li>
 *   <li>{@code relu}, {@code leakyrelu [slope=0.01]}, {@code sigmoid}, {@code tanh}, {@code softplus}</li>
 *   <li>{@code dropout [p=0.5]}, {@code batchnorm [eps=1e-5]}</li>
 *   <li>{@code residual filters [stride=1]}: a ResNet basic block, with a 1x1 projection when
 *       the stride or the channel count changes</li>
 * </ul>
 *
 * Shapes are inferred through the whole network when it is {@link #build() built}; a layer whose
 * numbers do not fit is refused with the file, line, layer index and kind, its input size and
 * the formula's result.
 */
public final class ModelSpec {

    /** One layer line: kind, its key=value pairs in file order, and where it came from. */
    public record LayerLine(String kind, Map<String, String> args, int line) {
    }

    private static final Map<String, Set<String>> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("conv", Set.of("filters", "size", "stride", "pad", "dilation", "bias", "init", "round"));
        KEYS.put("maxpool", Set.of("size", "stride", "pad", "round"));
        KEYS.put("avgpool", Set.of("size", "stride", "pad", "round"));
        KEYS.put("globalavgpool", Set.of());
        KEYS.put("fc", Set.of("units", "bias", "init"));
        KEYS.put("flatten", Set.of());
        KEYS.put("relu", Set.of());
        KEYS.put("leakyrelu", Set.of("slope"));
        KEYS.put("sigmoid", Set.of());
        KEYS.put("tanh", Set.of());
        KEYS.put("softplus", Set.of());
        KEYS.put("dropout", Set.of("p"));
        KEYS.put("batchnorm", Set.of("eps"));
        KEYS.put("residual", Set.of("filters", "stride"));
    }

    private final String source;
    private final String text;
    private final Shape input;
    private final int inputLine;
    private final List<LayerLine> layers;
    private final String loss;
    private final float margin;

    private ModelSpec(String source, String text, Shape input, int inputLine, List<LayerLine> layers, String loss, float margin) {
        this.source = source;
        this.text = text;
        this.input = input;
        this.inputLine = inputLine;
        this.layers = List.copyOf(layers);
        this.loss = loss;
        this.margin = margin;
    }

    /** Reads a spec file. */
    public static ModelSpec load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new SpecException("model spec " + file + " does not exist");
        } catch (IOException e) {
            throw new SpecException("cannot read model spec " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A spec by path, or by the name of a shipped spec ({@code cifar-quick}, {@code lenet5},
     * {@code resnet20}, {@code cifar-fcn}): an existing file wins, then {@code conf/models/NAME.model}
     * under the working directory, then the copy packaged in the jar.
     */
    public static ModelSpec resolve(String nameOrPath) {
        Path p = Path.of(nameOrPath);
        if (Files.isRegularFile(p)) return load(p);
        Path conf = Path.of("conf", "models", nameOrPath + ".model");
        if (Files.isRegularFile(conf)) return load(conf);
        String resource = "/models/" + nameOrPath + ".model";
        try (InputStream in = ModelSpec.class.getResourceAsStream(resource)) {
            if (in != null) return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "models/" + nameOrPath + ".model (packaged)");
        } catch (IOException e) {
            throw new SpecException("cannot read packaged model spec " + resource + ": " + e.getMessage(), e);
        }
        throw new SpecException("model spec '" + nameOrPath + "' is neither a file nor a shipped spec (" + String.join(", ", shipped()) + ")");
    }

    /** Names of the specs packaged with the library. */
    public static List<String> shipped() {
        return List.of("cifar-quick", "lenet5", "resnet20", "cifar-fcn", "images64");
    }

    public static ModelSpec parse(String text, String source) {
        Shape input = null;
        int inputLine = 0;
        String loss = "softmax";
        float margin = 1f;
        int lossLine = 0;
        List<LayerLine> layers = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.trim();
            if (line.isEmpty()) continue;
            String[] tokens = line.split("\\s+");
            String kind = tokens[0].toLowerCase(Locale.ROOT);
            String where = source + ":" + lineNo;
            if (kind.equals("input")) {
                if (lossLine > 0) {
                    throw new SpecException(where + ": 'input' after the loss on line " + lossLine + "; the loss must be the spec's last line");
                }
                if (input != null) throw new SpecException(where + ": a second 'input' line (the first is on line " + inputLine + ")");
                if (!layers.isEmpty()) throw new SpecException(where + ": 'input' must come before the first layer");
                if (tokens.length != 2) throw new SpecException(where + ": expected 'input CxHxW', e.g. 'input 3x32x32'");
                try {
                    input = Shape.parse(tokens[1]);
                } catch (IllegalArgumentException e) {
                    throw new SpecException(where + ": input " + e.getMessage());
                }
                inputLine = lineNo;
                continue;
            }
            if (lossLine > 0) {
                throw new SpecException(where + ": '" + tokens[0] + "' after the loss on line " + lossLine
                        + "; the loss must be the spec's last line");
            }
            if (kind.equals("loss")) {
                if (layers.isEmpty()) throw new SpecException(where + ": 'loss' before any layer; the loss must be the spec's last line");
                lossLine = lineNo;
                if (tokens.length < 2) throw new SpecException(where + ": expected 'loss softmax' or 'loss svm [margin=1]'");
                loss = tokens[1].toLowerCase(Locale.ROOT);
                if (!loss.equals("softmax") && !loss.equals("svm")) {
                    throw new SpecException(where + ": unknown loss '" + tokens[1] + "': expected softmax or svm");
                }
                for (int t = 2; t < tokens.length; t++) {
                    String[] kv = tokens[t].split("=", 2);
                    if (kv.length != 2 || !kv[0].equals("margin") || !loss.equals("svm")) {
                        throw new SpecException(where + ": unknown loss option '" + tokens[t] + "' (svm takes margin=VALUE)");
                    }
                    margin = (float) number(where, "loss", "margin", kv[1]);
                }
                continue;
            }
            if (kind.equals("linear")) kind = "fc";
            Set<String> allowed = KEYS.get(kind);
            if (allowed == null) {
                throw new SpecException(where + ": unknown layer kind '" + tokens[0] + "'; known: input, loss, "
                        + String.join(", ", KEYS.keySet()) + ", linear");
            }
            Map<String, String> args = new LinkedHashMap<>();
            for (int t = 1; t < tokens.length; t++) {
                String[] kv = tokens[t].split("=", 2);
                if (kv.length != 2 || kv[0].isEmpty() || kv[1].isEmpty()) {
                    throw new SpecException(where + ": '" + tokens[t] + "' is not key=value");
                }
                String key = kv[0].toLowerCase(Locale.ROOT);
                if (!allowed.contains(key)) {
                    throw new SpecException(where + ": " + kind + " has no key '" + kv[0] + "'"
                            + (allowed.isEmpty() ? " (it takes none)" : "; its keys are " + String.join(", ", sorted(allowed))));
                }
                if (args.put(key, kv[1]) != null) throw new SpecException(where + ": key '" + key + "' given twice");
            }
            layers.add(new LayerLine(kind, args, lineNo));
        }
        if (input == null) {
            throw new SpecException(source + ": no 'input' line; a spec must start with the input shape, e.g. 'input 3x32x32'");
        }
        if (layers.isEmpty()) throw new SpecException(source + ": no layers");
        return new ModelSpec(source, text, input, inputLine, layers, loss, margin);
    }

    private static List<String> sorted(Set<String> s) {
        List<String> l = new ArrayList<>(s);
        l.sort(null);
        return l;
    }

    public String source() {
        return source;
    }

    /** The spec's text as read, kept in checkpoints so a model can be rebuilt and compared. */
    public String text() {
        return text;
    }

    public Shape input() {
        return input;
    }

    public List<LayerLine> layerLines() {
        return layers;
    }

    /** "softmax" or "svm". */
    public String loss() {
        return loss;
    }

    public float svmMargin() {
        return margin;
    }

    /**
     * Floats one array can hold: the bound on a layer's parameters, on one sample's activation and
     * scratch, and on the whole model's parameters (each is one flat float array).
     */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Infers every shape and builds the network (no batch memory yet). Sizes are computed in 64 bits
     * first, so a layer too large for the int arithmetic of the kernels is refused by file, line and
     * layer with its numbers, rather than overflowing.
     */
    public Network build() {
        List<Layer> built = new ArrayList<>();
        Shape shape = input;
        long totalParams = 0;
        fits(source + ":" + inputLine + ": input " + input, "input floats per image",
                (long) input.channels() * input.height() * input.width());
        // the output layer: the last conv or fc line (its default initialisation is OUTPUT)
        int output = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).kind().equals("conv") || layers.get(i).kind().equals("fc")) output = i;
        }
        for (int i = 0; i < layers.size(); i++) {
            LayerLine l = layers.get(i);
            String where = source + ":" + l.line() + ": layer " + i + " (" + l.kind() + ") with input " + shape;
            Layer layer;
            try {
                layer = create(l, shape, where, i == output);
            } catch (ShapeException e) {
                throw new SpecException(where + ": " + e.getMessage());
            } catch (SpecException e) {
                throw e;
            } catch (ArithmeticException | IllegalArgumentException e) {
                throw new SpecException(where + ": its sizes do not fit 32-bit array indices (" + e.getMessage() + "); make it smaller");
            }
            totalParams += layer.paramCount();
            fits(where, "parameters of the whole model (up to this layer)", totalParams);
            built.add(layer);
            shape = layer.outputShape();
        }
        return new Network(input, built);
    }

    private static void fits(String where, String what, long value) {
        if (value > MAX_ARRAY) {
            throw new SpecException(String.format(Locale.ROOT, "%s: %,d %s, more than the %,d one float array holds; make it smaller",
                    where, value, what, MAX_ARRAY));
        }
    }

    /** The window arithmetic (padded input, dilated window) of both axes must fit an int. */
    private static void windowFits(String where, long h, long w, int[] size, int[] pad, int[] dil) {
        long[] extents = {h + 2L * pad[0], w + 2L * pad[1], (long) dil[0] * (size[0] - 1) + 1, (long) dil[1] * (size[1] - 1) + 1};
        for (long e : extents) {
            if (e > Integer.MAX_VALUE) {
                throw new SpecException(String.format(Locale.ROOT, "%s: size %dx%d, pad %dx%d, dilation %dx%d make a window or padded "
                        + "input of %,d pixels, beyond 32-bit sizes; make them smaller", where, size[0], size[1], pad[0], pad[1], dil[0], dil[1], e));
            }
        }
    }

    /** The sizes of layer {@code l} in 64 bits, refused when any would overflow the kernels' int arithmetic. */
    private static void checkSizes(LayerLine l, Shape in, Args a, String where) {
        long c = in.channels(), h = in.height(), w = in.width();
        switch (l.kind()) {
            case "conv": {
                int[] size = a.pair("size", null);
                int[] dil = a.pair("dilation", new int[] {1, 1});
                long filters = a.positive("filters", null);
                long rows = c * size[0] * size[1];
                fits(where, "parameters (" + filters + " filters of " + c + "x" + size[0] + "x" + size[1] + ")", filters * rows + filters);
                fits(where, "weights per filter", rows);
                // the output plane is at most the padded input's
                int[] pad = a.pair("pad", new int[] {0, 0});
                long plane = (h + 2L * pad[0]) * (w + 2L * pad[1]);
                fits(where, "output floats per image (" + filters + " filters)", filters * plane);
                fits(where, "im2col floats per image", 2 * rows * plane);
                windowFits(where, h, w, size, pad, dil);
                break;
            }
            case "maxpool":
            case "avgpool":
                windowFits(where, h, w, a.pair("size", null), a.pair("pad", new int[] {0, 0}), new int[] {1, 1});
                break;
            case "fc": {
                long units = a.positive("units", null);
                fits(where, "parameters (" + units + " units x " + (c * h * w) + " inputs)", units * c * h * w + units);
                break;
            }
            case "residual": {
                long filters = a.positive("filters", null);
                fits(where, "parameters (" + filters + " filters)", filters * (c * 9 + filters * 9 + c + 8));
                fits(where, "floats per image (" + filters + " filters)", 2 * 9 * Math.max(c, filters) * h * w);
                break;
            }
            default:
                break;
        }
    }

    private static Layer create(LayerLine l, Shape in, String where, boolean outputLayer) {
        Args a = new Args(l.args(), where);
        checkSizes(l, in, a, where);
        switch (l.kind()) {
            case "conv": {
                int[] size = a.pair("size", null);
                int[] stride = a.pair("stride", new int[] {1, 1});
                int[] pad = a.pair("pad", new int[] {0, 0});
                int[] dil = a.pair("dilation", new int[] {1, 1});
                int filters = a.positive("filters", null);
                Window g = Window.of(in.height(), in.width(), size[0], size[1], stride[0], stride[1], pad[0], pad[1],
                        dil[0], dil[1], a.rounding());
                return new Conv2d(in, filters, g, a.bool("bias", true), a.init(outputLayer));
            }
            case "maxpool":
            case "avgpool": {
                int[] size = a.pair("size", null);
                int[] stride = a.pair("stride", size);
                int[] pad = a.pair("pad", new int[] {0, 0});
                if (pad[0] * 2 > size[0] || pad[1] * 2 > size[1]) {
                    throw new ShapeException("pad " + pad[0] + " is more than half the window " + size[0]
                            + ": some windows would see only padding");
                }
                Window g = Window.of(in.height(), in.width(), size[0], size[1], stride[0], stride[1], pad[0], pad[1], 1, 1, a.rounding());
                return l.kind().equals("maxpool") ? new MaxPool2d(in, g) : new AvgPool2d(in, g, false);
            }
            case "globalavgpool":
                return AvgPool2d.global(in);
            case "fc":
                return new Linear(in, a.positive("units", null), a.bool("bias", true), a.init(outputLayer));
            case "flatten":
                return new Flatten(in);
            case "relu":
            case "sigmoid":
            case "tanh":
            case "softplus":
                return new Activation(in, Activation.Kind.parse(l.kind()), 0f);
            case "leakyrelu":
                return new Activation(in, Activation.Kind.LEAKYRELU, (float) a.number("slope", 0.01));
            case "dropout":
                return new Dropout(in, (float) a.number("p", 0.5));
            case "batchnorm":
                return new BatchNorm(in, (float) a.number("eps", BatchNorm.DEFAULT_EPS));
            case "residual":
                return new ResidualBlock(in, a.positive("filters", null), a.positive("stride", 1), BatchNorm.DEFAULT_EPS);
            default:
                throw new AssertionError(l.kind());
        }
    }

    private static double number(String where, String kind, String key, String value) {
        try {
            double d = Double.parseDouble(value);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new SpecException(where + ": " + kind + " " + key + "=" + value + " is not a number");
        }
    }

    /** Typed access to one line's arguments with errors that name the key. */
    private static final class Args {
        private final Map<String, String> args;
        private final String where;

        Args(Map<String, String> args, String where) {
            this.args = args;
            this.where = where;
        }

        int positive(String key, Integer dflt) {
            String v = args.get(key);
            if (v == null) {
                if (dflt == null) throw new SpecException(where + ": missing required key '" + key + "'");
                return dflt;
            }
            int x = integer(key, v);
            if (x <= 0) throw new SpecException(where + ": " + key + "=" + v + " must be positive");
            return x;
        }

        /** "5" or "3x5" (height x width); padding may be 0, everything else positive. */
        int[] pair(String key, int[] dflt) {
            String v = args.get(key);
            if (v == null) {
                if (dflt == null) throw new SpecException(where + ": missing required key '" + key + "'");
                return dflt;
            }
            String[] parts = v.split("x", -1);
            if (parts.length > 2) throw new SpecException(where + ": " + key + "=" + v + " is not N or HxW");
            int h = integer(key, parts[0]), w = parts.length == 2 ? integer(key, parts[1]) : h;
            int min = key.equals("pad") ? 0 : 1;
            if (h < min || w < min) {
                throw new SpecException(where + ": " + key + "=" + v + " must be " + (min == 0 ? ">= 0" : "positive"));
            }
            return new int[] {h, w};
        }

        private int integer(String key, String v) {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new SpecException(where + ": " + key + "=" + v + " is not an integer");
            }
        }

        double number(String key, double dflt) {
            String v = args.get(key);
            return v == null ? dflt : ModelSpec.number(where, "", key, v);
        }

        boolean bool(String key, boolean dflt) {
            String v = args.get(key);
            if (v == null) return dflt;
            if (v.equalsIgnoreCase("true")) return true;
            if (v.equalsIgnoreCase("false")) return false;
            throw new SpecException(where + ": " + key + "=" + v + " must be true or false");
        }

        /** init=he|xavier|output; without it He, or OUTPUT for the network's last weight layer. */
        Conv2d.InitKind init(boolean outputLayer) {
            String v = args.get("init");
            if (v == null) return outputLayer ? Conv2d.InitKind.OUTPUT : Conv2d.InitKind.HE;
            switch (v.toLowerCase(Locale.ROOT)) {
                case "he": case "kaiming": return Conv2d.InitKind.HE;
                case "xavier": case "glorot": return Conv2d.InitKind.XAVIER;
                case "output": return Conv2d.InitKind.OUTPUT;
                default: throw new SpecException(where + ": init=" + v + " must be he, xavier or output");
            }
        }

        Window.Rounding rounding() {
            String v = args.getOrDefault("round", "exact");
            switch (v.toLowerCase(Locale.ROOT)) {
                case "exact": return Window.Rounding.EXACT;
                case "floor": return Window.Rounding.FLOOR;
                case "ceil": return Window.Rounding.CEIL;
                default: throw new SpecException(where + ": round=" + v + " must be exact, floor or ceil");
            }
        }
    }
}
