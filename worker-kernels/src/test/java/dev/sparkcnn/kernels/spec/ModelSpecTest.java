package dev.sparkcnn.kernels.spec;

import dev.sparkcnn.kernels.layers.ResidualBlock;
import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Summary;
import dev.sparkcnn.kernels.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {

    private static Network net(String text) {
        return ModelSpec.parse(text, "test.model").build();
    }

    private static String error(String text) {
        return assertThrows(SpecException.class, () -> net(text)).getMessage();
    }

    /** Reference parameter count of a conv layer: K*(C*F*F) weights + K biases. */
    private static int convParams(int c, int k, int fh, int fw) {
        return k * c * fh * fw + k;
    }

    @Test
    void knownParameterCounts() {
        assertEquals(280, convParams(3, 10, 3, 3));
        assertEquals(280, net("input 3x32x32\nconv filters=10 size=3 pad=1").paramCount());
        assertEquals(7220, convParams(10, 20, 6, 6));
        assertEquals(7220, net("input 10x32x32\nconv filters=20 size=6 stride=2").paramCount());
    }

    @ParameterizedTest(name = "{0}: {1} parameters, output {2}")
    @CsvSource({"cifar-quick, 145578, 10x1x1", "lenet5, 62006, 10x1x1", "resnet20, 272474, 10x1x1", "cifar-fcn, 66602, 10x1x1"})
    void shippedSpecs(String name, int params, String output) {
        Network net = ModelSpec.resolve(name).build();
        assertEquals(params, net.paramCount(), name);
        assertEquals(Shape.parse(output), net.outputShape());
    }

    @Test
    void lenet5CountsByHand() {
        int expected = convParams(3, 6, 5, 5) + convParams(6, 16, 5, 5)
                + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
        assertEquals(62006, expected);
        assertEquals(expected, ModelSpec.resolve("lenet5").build().paramCount());
    }

    @Test
    void resnet20Structure() {
        Network net = ModelSpec.resolve("resnet20").build();
        long blocks = net.layers().stream().filter(l -> l instanceof ResidualBlock).count();
        long projections = net.layers().stream().filter(l -> l instanceof ResidualBlock && ((ResidualBlock) l).hasProjection()).count();
        assertEquals(9, blocks);
        assertEquals(2, projections);
        // running mean and variance of every batch norm: stem 16, 3 stages of 3 blocks x 2 BNs, 2 projection BNs
        int channels = 16 + 3 * 2 * 16 + 3 * 2 * 32 + 3 * 2 * 64 + 32 + 64;
        assertEquals(2 * channels, net.stateCount());
    }

    @Test
    void shapeThatDoesNotFitNamesLayerInputAndFormula() {
        String msg = error("# test\ninput 3x10x10\nconv filters=4 size=3 stride=2");
        assertTrue(msg.contains("test.model:3"), msg);
        assertTrue(msg.contains("layer 0 (conv)"), msg);
        assertTrue(msg.contains("input 3x10x10"), msg);
        assertTrue(msg.contains("(10 - 3 + 2*0)/2 + 1 = 4.5"), msg);
    }

    @Test
    void poolThatDoesNotFitAndRoundingEscape() {
        String msg = error("input 3x32x32\nconv filters=8 size=3 pad=1\nrelu\nmaxpool size=3 stride=2");
        assertTrue(msg.contains("layer 2 (maxpool)") && msg.contains("15.5"), msg);
        assertEquals(new Shape(8, 15, 15), net("input 3x32x32\nconv filters=8 size=3 pad=1\nmaxpool size=3 stride=2 round=floor").outputShape());
        assertEquals(new Shape(8, 16, 16), net("input 3x32x32\nconv filters=8 size=3 pad=1\nmaxpool size=3 stride=2 round=ceil").outputShape());
    }

    @Test
    void dilationAndRectangularKernels() {
        // dilation 2, 3x3: effective 5x5 window: (32 + 0 - 2*2 - 1)/1 + 1 = 28
        assertEquals(new Shape(4, 28, 28), net("input 3x32x32\nconv filters=4 size=3 dilation=2").outputShape());
        Network rect = net("input 3x32x32\nconv filters=4 size=3x5 pad=1x2");
        assertEquals(new Shape(4, 32, 32), rect.outputShape());
        assertEquals(4 * 3 * 15 + 4, rect.paramCount());
        String msg = error("input 3x10x10\nconv filters=4 size=3 dilation=2 stride=2");
        assertTrue(msg.contains("D=2") && msg.contains("3.5"), msg);
    }

    @Test
    void windowLargerThanInput() {
        String msg = error("input 3x4x4\nconv filters=2 size=5");
        assertTrue(msg.contains("larger than the padded input"), msg);
    }

    @Test
    void badLinesNameFileLineAndKey() {
        assertTrue(error("conv filters=4 size=3").contains("no 'input' line"));
        String m = error("input 3x8x8\nconv filters=4 size=3 strid=2");
        assertTrue(m.contains("test.model:2") && m.contains("'strid'") && m.contains("stride"), m);
        m = error("input 3x8x8\nconv filters=-4 size=3");
        assertTrue(m.contains("filters=-4") && m.contains("positive"), m);
        m = error("input 3x8x8\nconv filters=4 size=3 pad=-1");
        assertTrue(m.contains("pad=-1"), m);
        m = error("input 3x8x8\nconv size=3");
        assertTrue(m.contains("missing required key 'filters'"), m);
        m = error("input 3x8x8\nconvolution filters=4 size=3");
        assertTrue(m.contains("unknown layer kind 'convolution'"), m);
        m = error("input 3x8x8\nfc units=ten");
        assertTrue(m.contains("units=ten is not an integer"), m);
        m = error("input 3x8\nfc units=10");
        assertTrue(m.contains("test.model:1") && m.contains("3x8"), m);
        m = error("input 3x8x8\nfc units=10\ninput 3x8x8");
        assertTrue(m.contains("test.model:3"), m);
        m = error("input 3x8x8\ndropout p=1.5");
        assertTrue(m.contains("layer 0 (dropout)") && m.contains("[0, 1)"), m);
        m = error("input 3x8x8\nfc units=10\nloss hinge");
        assertTrue(m.contains("unknown loss 'hinge'"), m);
    }

    @Test
    void sizesBeyondTheKernelsIntArithmeticAreRefusedByFileLineAndLayer() {
        // once a bare "integer overflow" from deep inside the network constructor
        String m = error("input 3x32x32\nconv filters=8 size=3 pad=1\nrelu\n\nconv filters=99999999 size=5 pad=2\nfc units=10");
        assertTrue(m.startsWith("test.model:5: layer 2 (conv) with input 8x32x32") && m.contains("parameters (99999999 filters of 8x5x5)")
                && m.contains("20,099,999,799") && m.contains("more than the 2,147,483,639 one float array holds"), m);
        m = error("input 3x32x32\nconv filters=3000000 size=1\nfc units=10");
        assertTrue(m.startsWith("test.model:2: layer 0 (conv)") && m.contains("output floats per image"), m);
        m = error("input 3x32x32\nfc units=700000");
        assertTrue(m.startsWith("test.model:2: layer 0 (fc) with input 3x32x32") && m.contains("700000 units x 3072 inputs"), m);
        m = error("input 3x32x32\nfc units=50000\nfc units=50000");
        assertTrue(m.startsWith("test.model:3: layer 1 (fc)"), m);
        m = error("input 3x50000x50000\nrelu");
        assertTrue(m.startsWith("test.model:1: input 3x50000x50000") && m.contains("input floats per image"), m);
        m = error("input 3x32x32\nconv filters=4 size=3 pad=2000000000 round=floor\nfc units=10");
        assertTrue(m.startsWith("test.model:2: layer 0 (conv)"), m);
        m = error("input 3x32x32\nresidual filters=40000\nfc units=10");
        assertTrue(m.startsWith("test.model:2: layer 0 (residual)") && m.contains("parameters (40000 filters)"), m);
        // the whole model: layers that fit one by one but not together
        m = error("input 3x32x32\nfc units=400000\nfc units=3000\n");   // 1.23e9 and 1.2e9 parameters
        assertTrue(m.startsWith("test.model:3: layer 1 (fc)") && m.contains("parameters of the whole model"), m);
    }

    @Test
    void theLossMustBeTheLastLine() {
        String m = assertThrows(SpecException.class, () -> ModelSpec.parse("input 3x32x32\nfc units=10\nloss softmax\nrelu\n", "t.model")).getMessage();
        assertTrue(m.startsWith("t.model:4:") && m.contains("'relu' after the loss on line 3"), m);
        m = assertThrows(SpecException.class, () -> ModelSpec.parse("input 3x32x32\nfc units=10\nloss svm\n# fine\nloss softmax\n", "t.model")).getMessage();
        assertTrue(m.startsWith("t.model:5:") && m.contains("after the loss on line 3"), m);
        m = assertThrows(SpecException.class, () -> ModelSpec.parse("input 3x32x32\nloss softmax\nfc units=10\n", "t.model")).getMessage();
        assertTrue(m.startsWith("t.model:2:") && m.contains("before any layer"), m);
        assertEquals("svm", ModelSpec.parse("input 3x32x32\nfc units=10\nloss svm margin=2   # last\n\n# trailing comment\n", "t").loss());
    }

    @Test
    void missingFileIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.model");
        String m = assertThrows(SpecException.class, () -> ModelSpec.load(missing)).getMessage();
        assertTrue(m.contains(missing.toString()), m);
        Path file = dir.resolve("mine.model");
        Files.writeString(file, "input 1x4x4 # grey\nfc units=2 # two classes\nloss svm margin=2\n");
        ModelSpec spec = ModelSpec.load(file);
        assertEquals("svm", spec.loss());
        assertEquals(2f, spec.svmMargin());
        assertEquals(34, spec.build().paramCount());
    }

    @Test
    void summaryListsShapesCountsAndTotal() {
        String s = Summary.of(ModelSpec.resolve("cifar-quick").build(), "cifar-quick");
        assertTrue(s.contains("32x32x32"), s);
        assertTrue(s.contains("2,432"), s);        // conv1: 32*3*5*5 + 32
        assertTrue(s.contains("65,600"), s);       // fc1: 1024*64 + 64
        assertTrue(s.contains("total parameters: 145,578"), s);
    }
}
