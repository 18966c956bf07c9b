package dev.sparkcnn.driver.train;

import dev.sparkcnn.kernels.optim.Adam;
import dev.sparkcnn.kernels.optim.LrSchedule;
import dev.sparkcnn.kernels.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values are accepted in any case and mean what they say: one canonical spelling from the moment they are parsed. */
class TrainConfigTest {

    @Test
    void enumeratedValuesInAnyCaseSelectWhatTheyName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mixed.conf");
        Files.writeString(file, "optimizer = Adam\nschedule = Cosine\nsync = Average\nexchange = Stream\naugment = FLIP\nnesterov = False\n"
                + "warmup.epochs = 0\nlr.min = 0\n");
        TrainConfig cfg = TrainConfig.builder().file(file).build();
        assertEquals("adam", cfg.get("optimizer"));
        assertEquals("cosine", cfg.get("schedule"));
        assertEquals("average", cfg.get("sync"));
        assertEquals("stream", cfg.get("exchange"));
        assertEquals("flip", cfg.get("augment"));
        assertEquals("false", cfg.get("nesterov"));
        // what the trainer builds from them
        assertInstanceOf(Adam.class, Optimizers.create(cfg, 10), "optimizer = Adam trains with Adam");
        LrSchedule cosine = Optimizers.schedule(cfg, 10);
        double lr = cfg.getDouble("lr");
        assertEquals(lr, cosine.lr(0), 1e-9);
        assertTrue(cosine.lr(50) < 0.6 * lr && cosine.lr(99) < 0.01 * lr, "schedule = Cosine decays: " + cosine.lr(50));
        assertTrue(cfg.augmentFlip() && !cfg.augmentCrop());

        TrainConfig adamw = TrainConfig.builder().override("OPTIMIZER=AdamW").set("Schedule", "STEP", "--set").build();
        assertEquals("adamw", adamw.get("optimizer"));
        assertEquals("step", adamw.get("schedule"));
        assertInstanceOf(Sgd.class, Optimizers.create(TrainConfig.defaults(), 10));
    }

    @Test
    void theCanonicalFormSurvivesTheTextRoundTrip() {
        TrainConfig cfg = TrainConfig.builder().set("optimizer", "ADAM", "x").set("sync", "Step", "x").build();
        TrainConfig back = TrainConfig.fromText(cfg.toText(), "checkpoint");
        assertEquals(cfg, back);
        assertEquals("adam", back.get("optimizer"));
    }

    @Test
    void badValuesAreRefusedNamingSourceKeyAndOptions() {
        String m = assertThrows(ConfigException.class, () -> TrainConfig.builder().set("optimizer", "Adamax", "conf/x.conf:3")).getMessage();
        assertTrue(m.contains("conf/x.conf:3") && m.contains("optimizer = Adamax") && m.contains("sgd, adam, adamw"), m);
    }

    @Test
    void theBuilderRemembersWhatWasSetAndWhere() {
        TrainConfig.Builder b = TrainConfig.builder().set("lr", "0.1", "--lr").override("momentum=0.8");
        assertEquals(java.util.Map.of("lr", "0.1", "momentum", "0.8"), b.assigned());
        assertEquals("--lr", b.sourceOf("lr"));
        assertEquals("--set momentum=0.8", b.sourceOf("momentum"));
        assertEquals(null, b.sourceOf("seed"));
    }
}
