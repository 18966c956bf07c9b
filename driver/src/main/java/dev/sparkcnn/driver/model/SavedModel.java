package dev.sparkcnn.driver.model;

import dev.sparkcnn.driver.checkpoint.CheckpointException;
import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model as stored in {@code model.scnn} (our {@link ModelFile} format): the spec it was
 * built from, the input normalisation, the parameters, the batch-norm running statistics and, when
 * known, the resolved training configuration it was trained with (section {@code config}; model
 * files written before it was added have none).
 */
public final class SavedModel {

    public static final String FILE_NAME = "model.scnn";

    private final ModelSpec spec;
    private final Network net;
    private final Normalization norm;
    private final float[] params;
    private final float[] state;
    private final String trainingConfig;
    private List<String> classNames;

    public SavedModel(ModelSpec spec, Normalization norm, float[] params, float[] state) {
        this(spec, norm, params, state, null);
    }

    /** {@code trainingConfig}: the run's resolved {@code TrainConfig#toText()}, or null if unknown. */
    public SavedModel(ModelSpec spec, Normalization norm, float[] params, float[] state, String trainingConfig) {
        this.spec = spec;
        this.net = spec.build();
        this.norm = norm;
        if (params.length != net.paramCount() || state.length != net.stateCount()) {
            throw new CheckpointException("the model has " + params.length + " parameters and " + state.length
                    + " state values but its spec needs " + net.paramCount() + " and " + net.stateCount());
        }
        this.params = params;
        this.state = state;
        this.trainingConfig = trainingConfig;
        if (norm.channels() != net.inputShape().channels()) {
            throw new CheckpointException("the model's normalisation has " + norm.channels() + " channels but its input is "
                    + net.inputShape());
        }
        this.classNames = defaultClassNames(net.outputShape().size());
    }

    /**
     * The names of the model's classes, by label (section {@code classes}, one per line). Model files
     * written before it existed have none: a 10-class model gets CIFAR-10's names, others "0", "1", ...
     */
    public List<String> classNames() {
        return classNames;
    }

    /** Sets the class names (one per output); returns this. */
    public SavedModel withClassNames(List<String> names) {
        if (names == null) return this;
        if (names.size() != net.outputShape().size()) {
            throw new CheckpointException(names.size() + " class names given for a model scoring " + net.outputShape().size() + " classes");
        }
        this.classNames = List.copyOf(names);
        return this;
    }

    static List<String> defaultClassNames(int classes) {
        if (classes == dev.sparkcnn.kernels.data.CifarClasses.NAMES.size()) return dev.sparkcnn.kernels.data.CifarClasses.NAMES;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) names.add(String.valueOf(k));
        return List.copyOf(names);
    }

    /** Loads {@code location}: a model file, or a run directory containing {@value #FILE_NAME}. */
    public static SavedModel load(String location, Configuration conf) {
        Path p = new Path(location);
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(p, conf);
            if (fs.exists(p) && fs.getFileStatus(p).isDirectory()) p = new Path(p, FILE_NAME);
        } catch (IOException e) {
            throw new CheckpointException("cannot open " + location + ": " + e.getMessage(), e);
        }
        return fromFile(ModelFile.fromBytes(CheckpointStore.readAll(p, conf), p.toString(), "model"), p.toString());
    }

    public static SavedModel fromFile(ModelFile f, String source) {
        ModelSpec spec = ModelSpec.parse(f.text("spec"), source + " (spec)");
        int channels = spec.build().inputShape().channels();
        String[] n = f.text("normalization").trim().split("\\s+");
        if (n.length != 2 * channels) {
            throw new CheckpointException(source + ": normalization needs " + 2 * channels + " numbers (a mean and a standard deviation "
                    + "per input channel), found " + n.length);
        }
        Normalization norm;
        try {
            norm = Normalization.parse(f.text("normalization"));
        } catch (IllegalArgumentException e) {   // NumberFormatException too
            throw new CheckpointException(source + ": normalization '" + f.text("normalization") + "' is not " + channels + " means and "
                    + channels + " positive standard deviations: " + e.getMessage());
        }
        try {
            SavedModel m = new SavedModel(spec, norm, f.floats("params"), f.floats("state"),
                    f.has("config") ? f.text("config") : null);
            if (f.has("classes")) {
                List<String> names = new ArrayList<>();
                for (String line : f.text("classes").split("\n", -1)) if (!line.isEmpty()) names.add(line);
                m.withClassNames(names);
            }
            return m;
        } catch (CheckpointException e) {
            throw new CheckpointException(source + ": " + e.getMessage());
        }
    }

    public ModelFile toFile() {
        ModelFile f = new ModelFile("model")
                .text("spec", spec.text())
                .text("normalization", norm.toText())
                .floats("params", params)
                .floats("state", state)
                .text("classes", String.join("\n", classNames));
        return trainingConfig == null ? f : f.text("config", trainingConfig);
    }

    public void save(String file, Configuration conf) {
        CheckpointStore.writeAtomically(new Path(file), toFile().toBytes(), conf);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Network network() {
        return net;
    }

    public Normalization normalization() {
        return norm;
    }

    public float[] params() {
        return params;
    }

    public float[] state() {
        return state;
    }

    /** The resolved training configuration ({@code key = value} lines), or null when the file has none. */
    public String trainingConfig() {
        return trainingConfig;
    }
}
