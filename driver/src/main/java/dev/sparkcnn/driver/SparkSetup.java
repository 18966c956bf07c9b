package dev.sparkcnn.driver;

import dev.sparkcnn.driver.data.Shard;
import dev.sparkcnn.driver.train.EvalResult;
import dev.sparkcnn.driver.train.StepResult;
import dev.sparkcnn.driver.train.TaskTrainer;
import dev.sparkcnn.kernels.data.CifarBlock;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * The Spark settings every job and test uses: Kryo (about 4x faster than Java serialization for
 * the float arrays a step ships, half the broadcast cost here) with our classes registered.
 */
public final class SparkSetup {

    private SparkSetup() {
    }

    /** Registers what crosses the wire every step: parameters, results, cached shards. */
    public static final class Registrator implements KryoRegistrator {
        @Override
        public void registerClasses(com.esotericsoftware.kryo.Kryo kryo) {
            kryo.register(float[].class);
            kryo.register(long[].class);
            kryo.register(long[][].class);
            kryo.register(byte[].class);
            kryo.register(int[].class);
            kryo.register(StepResult.class);
            kryo.register(EvalResult.class);
            kryo.register(Shard.class);
            kryo.register(CifarBlock.class);
            kryo.register(CifarBlock[].class);
            kryo.register(TaskTrainer.Outcome.class);
        }
    }

    /** Adds our serializer settings to a conf (keeps what the user set explicitly). */
    public static SparkConf configure(SparkConf conf) {
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        String registrators = conf.get("spark.kryo.registrator", "");
        if (!registrators.contains(Registrator.class.getName())) {
            conf.set("spark.kryo.registrator", registrators.isEmpty() ? Registrator.class.getName()
                    : registrators + "," + Registrator.class.getName());
        }
        conf.setIfMissing("spark.kryoserializer.buffer.max", "256m");
        // a barrier stage that cannot get its slots fails after 4 x 15 s, not Spark's default 40 x 15 s (GangScheduling
        // checks the slots before the first epoch; this bounds the case of executors lost during the run)
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "4");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "15s");
        return conf;
    }
}
