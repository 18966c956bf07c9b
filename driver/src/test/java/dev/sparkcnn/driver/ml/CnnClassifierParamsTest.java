package dev.sparkcnn.driver.ml;

import dev.sparkcnn.driver.train.ConfigException;
import dev.sparkcnn.driver.train.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the Params become a TrainConfig (no Spark needed). */
class CnnClassifierParamsTest {

    @Test
    void defaultsAreTheTrainingDefaults() {
        CnnClassifier cnn = new CnnClassifier();
        TrainConfig defaults = TrainConfig.defaults();
        TrainConfig cfg = cnn.trainConfig(1000, 4);
        for (String key : new String[] {"model", "optimizer", "epochs", "batch.size", "seed", "momentum", "augment", "schedule"}) {
            assertEquals(defaults.get(key), cfg.get(key), key);
        }
        assertEquals(defaults.getDouble("lr"), cfg.getDouble("lr"));
        assertEquals("0", cfg.get("eval.every"));
        assertEquals(4, cfg.getInt("partitions"));
        assertEquals(8, cfg.shards());
        assertEquals("features", cnn.getFeaturesCol());
        assertEquals("label", cnn.getLabelCol());
        assertEquals("prediction", cnn.getPredictionCol());
        assertEquals("probability", cnn.getProbabilityCol());
        assertEquals("rawPrediction", cnn.getRawPredictionCol());
    }

    @Test
    void partitionsFollowTheClusterUpToEightAndShardsFollowPartitions() {
        assertEquals(8, new CnnClassifier().trainConfig(1000, 16).getInt("partitions"));
        TrainConfig twelve = new CnnClassifier().setPartitions(12).trainConfig(1000, 2);
        assertEquals(12, twelve.getInt("partitions"));
        assertEquals(12, twelve.shards());
        TrainConfig tiny = new CnnClassifier().trainConfig(5, 16);   // a shard needs a record
        assertEquals(5, tiny.shards());
        assertEquals(5, tiny.getInt("partitions"));
    }

    @Test
    void trainSettingsReachTheConfigAndTheParamsWin() {
        TrainConfig cfg = new CnnClassifier().setLr(0.01).setOptimizer("adamw").setSeed(5)
                .setTrainSettings("augment = false; lr=0.5\nmomentum=0.8").trainConfig(100, 2);
        assertEquals("false", cfg.get("augment"));
        assertEquals("0.8", cfg.get("momentum"));
        assertEquals(0.01, cfg.getDouble("lr"));
        assertEquals("adamw", cfg.get("optimizer"));
        assertEquals(5, cfg.seed());

        ConfigException bad = assertThrows(ConfigException.class,
                () -> new CnnClassifier().setTrainSettings("augment=false; warmup").trainConfig(100, 2));
        assertTrue(bad.getMessage().startsWith("trainSettings 'warmup': expected key=value"), bad.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> new CnnClassifier().setTrainSettings("colour=blue").trainConfig(100, 2));
        assertTrue(unknown.getMessage().startsWith("trainSettings 'colour=blue': unknown key 'colour'"), unknown.getMessage());
    }

    @Test
    void paramsRefuseBadValuesWhenSet() {
        IllegalArgumentException optimizer = assertThrows(IllegalArgumentException.class, () -> new CnnClassifier().setOptimizer("rmsprop"));
        assertTrue(optimizer.getMessage().contains("optimizer"), optimizer.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CnnClassifier().setLr(0));
        assertThrows(IllegalArgumentException.class, () -> new CnnClassifier().setEpochs(0));
        assertThrows(IllegalArgumentException.class, () -> new CnnClassifier().setPartitions(-1));
    }
}
