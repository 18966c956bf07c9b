package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.data.HadoopConf;
import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.data.ShardLoader;
import dev.sparkcnn.driver.data.ShardPlan;
import dev.sparkcnn.driver.model.SavedModel;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

/** Distributed evaluation of a saved model on a CIFAR-10 dataset: loss, accuracy, confusion matrix. */
public final class Evaluator {

    private Evaluator() {
    }

    public static EvalResult evaluate(JavaSparkContext jsc, SavedModel model, CifarFiles files, int partitions) {
        return evaluate(jsc, model, (dev.sparkcnn.driver.data.ImageSource) files, partitions, dev.sparkcnn.driver.data.ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** Any source, decoded on the executors to the model's input shape; its class count must be the model's. */
    public static EvalResult evaluate(JavaSparkContext jsc, SavedModel model, dev.sparkcnn.driver.data.ImageSource files, int partitions,
                                      long maxPixels) {
        dev.sparkcnn.driver.model.CifarCompatibility.require(model.network(), model.spec().source(), null, files.classNames().size(),
                files.description());
        dev.sparkcnn.kernels.tensor.Shape in = model.network().inputShape();
        int c = in.channels(), h = in.height(), w = in.width();
        dev.sparkcnn.driver.data.ImageDecoder decoder = new dev.sparkcnn.driver.data.ImageDecoder(in.channels(), in.height(), in.width(),
                maxPixels);
        int shards = (int) Math.min(files.records(), Math.max(Math.max(1, partitions) * 4L, ShardPlan.minShards(files.records())));
        ShardPlan plan = new ShardPlan(files.records(), shards);
        HadoopConf conf = new HadoopConf(jsc.hadoopConfiguration());
        List<Integer> ids = new ArrayList<>();
        IntStream.range(0, shards).forEach(ids::add);
        Broadcast<float[]> bp = jsc.broadcast(model.params());
        Broadcast<float[]> bs = jsc.broadcast(model.state());
        String spec = model.spec().text();
        ShardStep.Settings settings = new ShardStep.Settings(0, false, false, model.normalization());
        int classes = model.network().outputShape().size();
        try {
            List<EvalResult> parts = jsc.parallelize(ids, Math.max(1, Math.min(partitions, shards)))
                    .map(v -> ShardLoader.load(files, plan, v, decoder, c, h, w, conf.get()))
                    .mapPartitions((Iterator<Shard> it) ->
                            List.of(PartitionWork.evaluate(spec, 64, it, bp.value(), bs.value(), settings, classes)).iterator())
                    .collect();
            EvalResult total = new EvalResult(classes);
            for (EvalResult r : parts) total.merge(r);
            return total;
        } catch (Exception e) {   // SparkException is checked, but Scala throws it from collect()
            throw SparkGradientSource.unwrap(e);
        } finally {
            bp.destroy();
            bs.destroy();
        }
    }
}
