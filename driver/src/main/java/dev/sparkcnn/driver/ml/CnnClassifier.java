package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.train.ConfigException;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.SparkGradientSource;
import dev.sparkcnn.driver.train.TrainConfig;
import dev.sparkcnn.driver.train.Trainer;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * A CNN image classifier as a Spark ML {@link Estimator}, for {@code Pipeline}, {@code CrossValidator}
 * and {@code TrainValidationSplit}. The features column holds images: a Vector of C x H x W pixel
 * values 0..255 in CIFAR order (CHW planes, each row-major), Spark's image struct (any size, grey,
 * BGR or BGRA) or encoded PNG/JPEG bytes, resized to the spec's input; the label column numbers
 * 0..K-1 for a spec scoring K classes.
 *
 * <p>{@link #fit} never collects the training set: the DataFrame's partitions decode their rows to
 * uint8 images and one shuffle cuts them into the shards of the run ({@link ImageTable}), cached
 * in {@code partitions} partitions; then it trains exactly as the command-line trainer does, every
 * step one synchronous data-parallel Spark job ({@link SparkGradientSource}, {@link Trainer}). Settings the Params do not cover
 * (augmentation, momentum, weight decay, schedule, ...) go in {@code trainSettings}. Fits are
 * independent (no shared state besides the per-JVM kernel pool, which is thread-safe), so
 * CrossValidator's {@code parallelism} runs several at once.
 */
public final class CnnClassifier extends Estimator<CnnClassificationModel> implements CnnClassifierParams, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CnnClassifier.class);

    /** Partitions used when {@code partitions} is 0 and the cluster has more cores than this. */
    public static final int MAX_DEFAULT_PARTITIONS = 8;

    private final String uid;
    private final CnnParamSet p;

    public CnnClassifier() {
        this(Identifiable.randomUID("cnnClassifier"));
    }

    public CnnClassifier(String uid) {
        this.uid = uid;
        this.p = new CnnParamSet(uid);
        p.setDefaults(this);
    }

    public CnnClassifier setModelSpec(String value) {
        set(p.modelSpec, value);
        return this;
    }

    public CnnClassifier setOptimizer(String value) {
        set(p.optimizer, value);
        return this;
    }

    public CnnClassifier setLr(double value) {
        set(p.lr, value);
        return this;
    }

    public CnnClassifier setBatchSize(int value) {
        set(p.batchSize, value);
        return this;
    }

    public CnnClassifier setEpochs(int value) {
        set(p.epochs, value);
        return this;
    }

    public CnnClassifier setSeed(long value) {
        set(p.seed, value);
        return this;
    }

    public CnnClassifier setPartitions(int value) {
        set(p.partitions, value);
        return this;
    }

    public CnnClassifier setTrainSettings(String value) {
        set(p.trainSettings, value);
        return this;
    }

    public CnnClassifier setFeaturesCol(String value) {
        set(p.featuresCol, value);
        return this;
    }

    public CnnClassifier setLabelCol(String value) {
        set(p.labelCol, value);
        return this;
    }

    public CnnClassifier setPredictionCol(String value) {
        set(p.predictionCol, value);
        return this;
    }

    public CnnClassifier setProbabilityCol(String value) {
        set(p.probabilityCol, value);
        return this;
    }

    public CnnClassifier setRawPredictionCol(String value) {
        set(p.rawPredictionCol, value);
        return this;
    }

    @Override
    public CnnClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        ModelSpec spec = resolveSpec(getModelSpec());
        dev.sparkcnn.kernels.net.Network net = spec.build();
        dev.sparkcnn.kernels.tensor.Shape in = net.inputShape();
        int classes = net.outputShape().size();
        TrainConfig settings = trainConfig(Integer.MAX_VALUE, jsc.defaultParallelism());
        // the rows are decoded and cut into shards in the DataFrame's own partitions: nothing is collected here
        ImageTable table = ImageTable.of(dataset, getFeaturesCol(), getLabelCol(), in, classes, getSeed(),
                settings.get("data.skip.unreadable").equals("true"), settings.getLong("data.max.pixels"));
        long records = table.shards().records();
        if (records == 0) {
            table.close();
            throw new CnnInputException("the training data is empty: there is nothing to fit");
        }
        TrainConfig cfg = trainConfig((int) Math.min(Integer.MAX_VALUE, records), jsc.defaultParallelism());
        long t0 = System.nanoTime();
        dev.sparkcnn.driver.data.TableShards shards = table.shards();
        try (ImageTable closeAfter = table;
             SparkGradientSource source = SparkGradientSource.fromShards(jsc, records,
                     (plan, parts) -> shards.shards(0, records, plan, parts, "training shards"), null, 0, cfg, spec.text(),
                     cfg.getInt("partitions"), in, classes, "the training data")) {
            Trainer trainer = new Trainer(cfg, spec, source, source.normalization(), null, null, new Trainer.Listener() {
                @Override
                public void onEpoch(Map<String, Object> record, EvalResult eval) {
                    LOG.info("{}: epoch {}/{}, train loss {}, train accuracy {} ({} s)", uid, record.get("epoch"), cfg.epochs(),
                            record.get("train_loss"), record.get("train_accuracy"), record.get("seconds"));
                }
            });
            trainer.run();
            LOG.info("{}: trained on {} images in {} partitions in {} s", uid, records, source.partitions(),
                    (System.nanoTime() - t0) / 1e9);
            CnnClassificationModel model = new CnnClassificationModel(uid, trainer.model());
            return copyValues(model, ParamMap.empty()).setParent(this);
        }
    }

    /**
     * The TrainConfig of this fit: {@code trainSettings}, then the Params, then what the estimator
     * fixes (no test set: eval.every = 0; partitions and shards for this data and cluster).
     */
    TrainConfig trainConfig(int records, int defaultParallelism) {
        TrainConfig.Builder b = TrainConfig.builder();
        for (String assignment : getTrainSettings().split("[;\n]")) {
            if (assignment.isBlank()) continue;
            int eq = assignment.indexOf('=');
            String where = "trainSettings '" + assignment.trim() + "'";
            if (eq <= 0) throw new ConfigException(where + ": expected key=value");
            b.set(assignment.substring(0, eq), assignment.substring(eq + 1), where);
        }
        b.set("model", getModelSpec(), "Param modelSpec")
                .set("optimizer", getOptimizer(), "Param optimizer")
                .set("lr", String.valueOf(getLr()), "Param lr")
                .set("batch.size", String.valueOf(getBatchSize()), "Param batchSize")
                .set("epochs", String.valueOf(getEpochs()), "Param epochs")
                .set("seed", String.valueOf(getSeed()), "Param seed")
                .set("eval.every", "0", "CnnClassifier (no test set)");
        int partitions = getPartitions() > 0 ? getPartitions() : Math.min(defaultParallelism, MAX_DEFAULT_PARTITIONS);
        // partitions own whole shards, and a shard needs at least one record
        int shards = Math.min(Math.max(b.build().shards(), partitions), records);
        partitions = Math.min(partitions, shards);
        return b.set("data.shards", String.valueOf(shards), "CnnClassifier")
                .set("partitions", String.valueOf(partitions), "CnnClassifier")
                .build();
    }

    /** A shipped spec name or a spec file on the driver; text with line breaks is the spec itself. */
    static ModelSpec resolveSpec(String modelSpec) {
        return modelSpec.contains("\n") ? ModelSpec.parse(modelSpec, "Param modelSpec") : ModelSpec.resolve(modelSpec);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return CnnClassificationModel.outputSchema(this, schema, true);
    }

    @Override
    public CnnClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public String uid() {
        return uid;
    }

    public static MLReader<CnnClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static CnnClassifier load(String path) {
        return read().load(path);
    }

    @Override
    public CnnParamSet paramSet() {
        return p;
    }
}
