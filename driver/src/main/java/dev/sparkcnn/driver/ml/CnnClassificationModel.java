package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.driver.onnx.OnnxExporter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * A trained CNN as a Spark ML {@link Model}: {@link #transform} appends the predicted class
 * ({@code predictionCol}, a double 0..9), the class probabilities ({@code probabilityCol}, a
 * DenseVector, the softmax of the logits) and the logits ({@code rawPredictionCol}, a DenseVector),
 * like MLlib's classifiers; an output column whose name is set to "" is left out. Scoring is
 * distributed: the model file is broadcast and every partition runs its own predictor over its rows.
 *
 * <p>Saved as a directory: {@code metadata/} holds the Params (Spark's default format) and
 * {@code data/model.scnn} the network in our model file format (spec, normalisation, weights,
 * batch-norm statistics; checksummed).
 */
public final class CnnClassificationModel extends Model<CnnClassificationModel> implements CnnClassifierParams, MLWritable {
    private static final long serialVersionUID = 1L;

    /** Where in a saved model directory the weights are. */
    public static final String DATA_FILE = "data/" + SavedModel.FILE_NAME;

    private final String uid;
    private final CnnParamSet p;
    private final byte[] modelFile;           // SavedModel.toFile().toBytes(): what is broadcast and saved
    private transient SavedModel model;

    public CnnClassificationModel(String uid, SavedModel model) {
        this(uid, model, model.toFile().toBytes());
    }

    private CnnClassificationModel(String uid, SavedModel model, byte[] modelFile) {
        this.uid = uid;
        this.p = new CnnParamSet(uid);
        p.setDefaults(this);
        this.model = model;
        this.modelFile = modelFile;
    }

    /** The trained network: spec, normalisation, parameters and batch-norm statistics. */
    public SavedModel savedModel() {
        if (model == null) model = SavedModel.fromFile(ModelFile.fromBytes(modelFile, "the model", "model"), "the model");
        return model;
    }

    /** Classes the network scores (10 for CIFAR-10). */
    public int numClasses() {
        return savedModel().network().outputShape().size();
    }

    public CnnClassificationModel setFeaturesCol(String value) {
        set(p.featuresCol, value);
        return this;
    }

    public CnnClassificationModel setPredictionCol(String value) {
        set(p.predictionCol, value);
        return this;
    }

    public CnnClassificationModel setProbabilityCol(String value) {
        set(p.probabilityCol, value);
        return this;
    }

    public CnnClassificationModel setRawPredictionCol(String value) {
        set(p.rawPredictionCol, value);
        return this;
    }

    /**
     * Writes the model as ONNX to {@code path} (any Hadoop URI; the active session's Hadoop
     * configuration, or a default one without a session): input {@code pixels} (N x 3 x 32 x 32
     * float, 0..255, CIFAR layout), output {@code probabilities} (N x classes), the same probabilities
     * as {@link #transform}'s {@code probabilityCol}. See {@link OnnxExporter}.
     */
    public void exportOnnx(String path) {
        scala.Option<SparkSession> session = SparkSession.getActiveSession();
        Configuration conf = session.isDefined() ? session.get().sparkContext().hadoopConfiguration() : new Configuration();
        OnnxExporter.write(savedModel(), path, conf);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        Dataset<Row> df = dataset.toDF();
        if (out.size() == df.schema().size()) return df;   // every output column disabled
        dev.sparkcnn.kernels.tensor.Shape in = savedModel().network().inputShape();
        FeaturesColumn features = FeaturesColumn.of(df.schema(), getFeaturesCol(), in.channels(), in.height(), in.width(),
                dev.sparkcnn.driver.data.ImageDecoder.DEFAULT_MAX_PIXELS);
        Broadcast<byte[]> bc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext()).broadcast(modelFile);
        PartitionScorer scorer = new PartitionScorer(bc, features, df.schema().fieldIndex(getFeaturesCol()),
                !getPredictionCol().isEmpty(), !getProbabilityCol().isEmpty(), !getRawPredictionCol().isEmpty());
        return df.mapPartitions(scorer, Encoders.row(out));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return outputSchema(this, schema, false);
    }

    /**
     * Checks the input columns (features; label too when {@code fitting}) and appends the enabled
     * output columns: prediction (double), probability and rawPrediction (vectors).
     */
    static StructType outputSchema(CnnClassifierParams params, StructType schema, boolean fitting) {
        FeaturesColumn.of(schema, params.getFeaturesCol());
        if (fitting) FeaturesColumn.checkLabel(schema, params.getLabelCol());
        StructType out = schema;
        String[] names = {params.getPredictionCol(), params.getProbabilityCol(), params.getRawPredictionCol()};
        for (int i = 0; i < names.length; i++) {
            if (names[i].isEmpty()) continue;
            if (Arrays.asList(out.fieldNames()).contains(names[i])) {
                throw new CnnInputException("output column '" + names[i] + "' already exists in the DataFrame; "
                        + "choose another name with set" + (i == 0 ? "Prediction" : i == 1 ? "Probability" : "RawPrediction") + "Col");
            }
            out = out.add(names[i], i == 0 ? DataTypes.DoubleType : SQLDataTypes.VectorType(), false);
        }
        return out;
    }

    @Override
    public CnnClassificationModel copy(ParamMap extra) {
        CnnClassificationModel copied = copyValues(new CnnClassificationModel(uid, model, modelFile), extra);
        return copied.setParent(parent());
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public String toString() {
        return "CnnClassificationModel: uid=" + uid + ", " + savedModel().network().paramCount() + " parameters, "
                + numClasses() + " classes";
    }

    // ---- persistence ----

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<CnnClassificationModel> read() {
        return new Reader();
    }

    public static CnnClassificationModel load(String path) {
        return read().load(path);
    }

    /** Params as Spark's metadata, the network as {@value #DATA_FILE}. */
    private static final class Writer extends MLWriter {
        private final CnnClassificationModel instance;

        Writer(CnnClassificationModel instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(instance, path, sparkSession());
            CheckpointStore.writeAtomically(new Path(path, DATA_FILE), instance.modelFile, sc().hadoopConfiguration());
        }
    }

    private static final class Reader extends MLReader<CnnClassificationModel> {
        @Override
        public CnnClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    CnnClassificationModel.class.getName());
            Path file = new Path(path, DATA_FILE);
            byte[] bytes = CheckpointStore.readAll(file, sc().hadoopConfiguration());
            SavedModel saved = SavedModel.fromFile(ModelFile.fromBytes(bytes, file.toString(), "model"), file.toString());
            CnnClassificationModel model = new CnnClassificationModel(metadata.uid(), saved, bytes);
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }

    @Override
    public CnnParamSet paramSet() {
        return p;
    }
}
