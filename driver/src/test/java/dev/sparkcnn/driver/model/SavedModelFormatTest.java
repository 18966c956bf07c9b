package dev.sparkcnn.driver.model;

import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.driver.data.Normalization;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** model.scnn keeps class names and per-channel statistics of any channel count; files written before stay readable. */
class SavedModelFormatTest {

    @Test
    void aFileWithoutClassNamesIsReadAsBefore() {
        ModelSpec spec = ModelSpec.parse("input 3x32x32\nconv filters=2 size=3\nfc units=10\n", "old.model");
        // exactly the sections (and the normalisation text) SavedModel.toFile wrote before issue 15
        ModelFile old = new ModelFile("model").text("spec", spec.text()).text("normalization", "0.49 0.48 0.45 0.25 0.24 0.26")
                .floats("params", spec.build().initParams(1)).floats("state", new float[0]);
        SavedModel m = SavedModel.fromFile(ModelFile.fromBytes(old.toBytes(), "old.scnn", "model"), "old.scnn");
        assertEquals(dev.sparkcnn.kernels.data.CifarClasses.NAMES, m.classNames());
        assertArrayEquals(new float[] {0.49f, 0.48f, 0.45f}, m.normalization().mean());
        ModelSpec three = ModelSpec.parse("input 3x32x32\nfc units=3\n", "three.model");
        ModelFile old3 = new ModelFile("model").text("spec", three.text()).text("normalization", "0.5 0.5 0.5 0.2 0.2 0.2")
                .floats("params", three.build().initParams(1)).floats("state", new float[0]);
        assertEquals(List.of("0", "1", "2"), SavedModel.fromFile(old3, "old3.scnn").classNames());
    }

    @Test
    void classNamesAndGreyStatisticsRoundTrip() {
        ModelSpec grey = ModelSpec.parse("input 1x40x24\nconv filters=2 size=3\nfc units=3\n", "grey.model");
        SavedModel m = new SavedModel(grey, new Normalization(new float[] {0.3f}, new float[] {0.1f}), grey.build().initParams(2),
                new float[0]).withClassNames(List.of("a cat", "dog,wolf", "ünïcode"));
        SavedModel back = SavedModel.fromFile(ModelFile.fromBytes(m.toFile().toBytes(), "m.scnn", "model"), "m.scnn");
        assertEquals(List.of("a cat", "dog,wolf", "ünïcode"), back.classNames());
        assertArrayEquals(new float[] {0.3f}, back.normalization().mean());
        assertArrayEquals(new float[] {0.1f}, back.normalization().std());
        RuntimeException wrong = assertThrows(RuntimeException.class, () -> m.withClassNames(List.of("a", "b")));
        assertTrue(wrong.getMessage().contains("2 class names given for a model scoring 3 classes"), wrong.getMessage());
    }
}
