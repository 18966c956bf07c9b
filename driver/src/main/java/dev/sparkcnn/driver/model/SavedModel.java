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
        String[] n = f.text("normalization").trim().split("\\s+");
        if (n.length != 6) throw new CheckpointException(source + ": normalization needs 6 numbers, found " + n.length);
        float[] mean = new float[3], std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = Float.parseFloat(n[c]);
            std[c] = Float.parseFloat(n[3 + c]);
        }
        return new SavedModel(spec, new Normalization(mean, std), f.floats("params"), f.floats("state"),
                f.has("config") ? f.text("config") : null);
    }

    public ModelFile toFile() {
        float[] m = norm.mean(), s = norm.std();
        ModelFile f = new ModelFile("model")
                .text("spec", spec.text())
                .text("normalization", m[0] + " " + m[1] + " " + m[2] + " " + s[0] + " " + s[1] + " " + s[2])
                .floats("params", params)
                .floats("state", state);
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
