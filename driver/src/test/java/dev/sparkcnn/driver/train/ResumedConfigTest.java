package dev.sparkcnn.driver.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A resumed run takes its checkpoint's config; it may change how it runs, never what it trains. */
class ResumedConfigTest {

    private static final TrainConfig SAVED = TrainConfig.builder().set("lr", "0.01", "x").set("optimizer", "adamw", "x")
            .set("schedule", "step", "x").set("epochs", "7", "x").set("momentum", "0.8", "x").set("model", "lenet5", "x").build();

    private static String spec(String model) {
        return model.equals("lenet5") || model.endsWith("lenet5.model") ? "LENET" : "OTHER";
    }

    @Test
    void nothingRequestedGivesTheCheckpointsConfig() {
        TrainConfig cfg = ResumedConfig.resolve(SAVED, "LENET", TrainConfig.builder(), "ck", ResumedConfigTest::spec);
        assertEquals(SAVED, cfg);
    }

    @Test
    void howTheRunExecutesMayChange() {
        TrainConfig.Builder req = TrainConfig.builder().set("partitions", "2", "--partitions").set("exchange", "stream", "--set")
                .set("max.steps", "100", "--set").set("checkpoint.every", "5", "--set").set("eval.every", "0", "--set")
                .set("log.every", "3", "--set").set("checkpoint.keep", "4", "--set")
                // equal values of training keys, also when written otherwise
                .set("lr", "1e-2", "--lr").set("epochs", "07", "--epochs").set("optimizer", "AdamW", "--set")
                .set("model", "conf/models/lenet5.model", "--model");
        TrainConfig cfg = ResumedConfig.resolve(SAVED, "LENET", req, "ck", ResumedConfigTest::spec);
        assertEquals("2", cfg.get("partitions"));
        assertEquals("stream", cfg.get("exchange"));
        assertEquals("100", cfg.get("max.steps"));
        assertEquals("0.01", cfg.get("lr"));
        assertEquals("lenet5", cfg.get("model"));
    }

    @Test
    void everyTrainingRelevantDifferenceIsRefusedByName() {
        for (String[] kv : new String[][] {{"lr", "0.1"}, {"epochs", "20"}, {"schedule", "cosine"}, {"momentum", "0.9"},
                {"weight.decay", "0"}, {"seed", "2"}, {"batch.size", "64"}, {"data.shards", "4"}, {"augment", "true"},
                {"bn.momentum", "0.2"}, {"warmup.epochs", "1"}, {"optimizer", "sgd"}, {"sync", "average"}, {"lr.min", "0.001"},
                {"adam.beta1", "0.8"}, {"nesterov", "false"}, {"schedule.gamma", "0.5"}, {"average.every", "2"}}) {
            TrainConfig.Builder req = TrainConfig.builder().set(kv[0], kv[1], "--set " + kv[0] + "=" + kv[1]);
            String m = assertThrows(ConfigException.class, () -> ResumedConfig.resolve(SAVED, "LENET", req, "runs/r/ckpt-6.scnn",
                    ResumedConfigTest::spec)).getMessage();
            assertTrue(m.contains("--set " + kv[0] + "=" + kv[1]) && m.contains(kv[0] + " = " + SAVED.get(kv[0]))
                    && m.contains("runs/r/ckpt-6.scnn") && m.contains("another --out"), m);
        }
        String m = assertThrows(ConfigException.class, () -> ResumedConfig.resolve(SAVED, "LENET",
                TrainConfig.builder().set("model", "cifar-quick", "--model"), "ck", ResumedConfigTest::spec)).getMessage();
        assertTrue(m.contains("--model") && m.contains("another model spec"), m);
    }

    @Test
    void everyKeyThatIsNotAboutExecutionCounts() {
        for (String key : TrainConfig.KEYS.keySet()) {
            boolean execution = java.util.Set.of("partitions", "exchange", "exchange.timeout", "checkpoint.every", "checkpoint.keep", "eval.every",
                    "log.every", "max.steps").contains(key);
            assertEquals(!execution, ResumedConfig.affectsTraining(key), key);
        }
    }
}
