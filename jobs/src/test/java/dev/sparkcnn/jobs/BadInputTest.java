package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.checkpoint.ModelFile;
import dev.sparkcnn.kernels.data.CifarRecords;
import dev.sparkcnn.kernels.data.TestCifar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input of every kind through the command line's entry point ({@link Cnn#execute}, what deploy/cnn
 * runs), one case a row: model specs, training configs, flags, resumes, data files, checkpoints, model
 * files, images and sweep files. Each case asserts the exit code (2 for a bad flag, 1 for a failed
 * job), that the message names what is wrong (file and line, key, layer or flag), and that an existing
 * run directory is byte for byte what it was; cases that fail before anything is written also leave
 * no new run directory behind.
 */
class BadInputTest {

    @TempDir
    static Path dir;
    private static Path data, run, broken, specs, confs, bins, models, images, sweeps;

    /** One row of the table: the command, its exit code, what the message must name, and the run directory that must not change. */
    private record Case(String name, int exit, List<String> named, Path unchanged, boolean noNewRun, String... args) {
    }

    @BeforeAll
    static void fixtures() throws Exception {
        data = TestCifar.subset(10);
        run = dir.resolve("run");
        String[] r = JobsTest.run("train", "--config", "../conf/train/quick-test.conf", "--data", data.toString(), "--out", run.toString(),
                "--master", "local[2]", "--epochs", "1", "--set", "max.steps=2", "--set", "checkpoint.every=1");
        assertEquals("0", r[0], r[2]);

        specs = Files.createDirectories(dir.resolve("specs"));
        write(specs.resolve("unknown-kind.model"), "input 3x32x32\nconv filters=8 size=3 pad=1\nconvolution filters=4\nfc units=10\n");
        write(specs.resolve("not-integer.model"), "input 3x32x32\nconv filters=8 size=3 stride=2\nfc units=10\n");
        write(specs.resolve("overflow.model"), "input 3x32x32\nrelu\nconv filters=99999999 size=5 pad=2\nfc units=10\n");
        write(specs.resolve("after-loss.model"), "input 3x32x32\nfc units=10\nloss softmax\nrelu\n");
        write(specs.resolve("no-input.model"), "conv filters=8 size=3\nfc units=10\n");
        write(specs.resolve("typo-key.model"), "input 3x32x32\nconv filter=8 size=3\nfc units=10\n");
        write(specs.resolve("mnist.model"), "input 1x28x28\nfc units=10\n");
        write(specs.resolve("two-channels.model"), "input 2x32x32\nfc units=10\n");
        write(specs.resolve("wide.model"), "input 3x32x32\nconv filters=60000 size=1\nglobalavgpool\nfc units=10\n");
        write(specs.resolve("five.model"), "input 3x32x32\nconv filters=4 size=3 pad=1\nrelu\nfc units=5\n");

        confs = Files.createDirectories(dir.resolve("conf"));
        write(confs.resolve("unknown-key.conf"), "epochs = 1\nlearning.rate = 0.1\n");
        write(confs.resolve("bad-value.conf"), "# a comment\nepochs = 2\nmomentum = 1.5\n");
        write(confs.resolve("no-equals.conf"), "epochs 2\n");
        write(confs.resolve("optimizer.conf"), "model = lenet5\nOptimizer = Nadam\n");
        write(confs.resolve("momentum.conf"), "momentum = 0.5\n");

        bins = Files.createDirectories(dir.resolve("bins"));
        Path partial = Files.createDirectories(bins.resolve("partial"));
        Files.copy(data.resolve("data_batch_1.bin"), partial.resolve("data_batch_1.bin"));
        Files.copy(data.resolve("data_batch_2.bin"), partial.resolve("data_batch_2.bin"));
        Path onlyTest = Files.createDirectories(bins.resolve("only-test"));
        Files.copy(data.resolve("test_batch.bin"), onlyTest.resolve("test_batch.bin"));
        Files.copy(data.resolve("data_batch_1.bin"), onlyTest.resolve("train.bin"));
        Path truncated = Files.createDirectories(bins.resolve("truncated"));
        for (String f : CifarRecords.TRAIN_FILES) Files.copy(data.resolve(f), truncated.resolve(f));
        byte[] b3 = Files.readAllBytes(truncated.resolve("data_batch_3.bin"));
        Files.write(truncated.resolve("data_batch_3.bin"), Arrays.copyOf(b3, b3.length - 1000));
        Path labels = Files.createDirectories(bins.resolve("labels"));
        byte[] b2 = Files.readAllBytes(data.resolve("data_batch_2.bin"));
        b2[7 * CifarRecords.RECORD_BYTES] = 12;
        Files.copy(data.resolve("data_batch_1.bin"), labels.resolve("data_batch_1.bin"));
        Files.write(labels.resolve("data_batch_2.bin"), b2);

        // a copy of the run whose checkpoints are damaged one way or another, each in its own copy
        broken = dir.resolve("broken");
        byte[] newest = Files.readAllBytes(run.resolve("checkpoints/ckpt-00000002.scnn"));
        copyRun(broken.resolve("truncated"));
        Files.write(broken.resolve("truncated/checkpoints/ckpt-00000002.scnn"), Arrays.copyOf(newest, newest.length - 9));
        copyRun(broken.resolve("lengths"));
        Files.write(broken.resolve("lengths/checkpoints/ckpt-00000002.scnn"), withLength(newest, "params", 1 << 29));
        copyRun(broken.resolve("kind"));
        Files.copy(run.resolve("model.scnn"), broken.resolve("kind/checkpoints/ckpt-00000009.scnn"));
        copyRun(broken.resolve("exploded"));
        ModelFile ck = ModelFile.fromBytes(newest, "ck", "checkpoint");
        float[] p = ck.floats("params").clone();
        p[100] = 4e30f;
        Files.write(broken.resolve("exploded/checkpoints/ckpt-00000002.scnn"), ck.floats("params", p).toBytes());

        models = Files.createDirectories(dir.resolve("models"));
        byte[] model = Files.readAllBytes(run.resolve("model.scnn"));
        Files.write(models.resolve("truncated.scnn"), Arrays.copyOf(model, 300));
        ModelFile m = ModelFile.fromBytes(model, "m", "model");
        Files.write(models.resolve("normalization.scnn"), ModelFile.fromBytes(model, "m", "model").text("normalization", "0.5 0.5 0.5 0 1 1").toBytes());
        Files.write(models.resolve("short.scnn"), ModelFile.fromBytes(model, "m", "model").floats("params", new float[10]).toBytes());
        Files.write(models.resolve("five.scnn"), ModelFile.fromBytes(model, "m", "model").text("spec", Files.readString(specs.resolve("five.model")))
                .floats("params", new float[dev.sparkcnn.kernels.spec.ModelSpec.load(specs.resolve("five.model")).build().paramCount()])
                .floats("state", new float[0]).text("classes", "a\nb\nc\nd\ne").toBytes());
        Files.write(models.resolve("mnist.scnn"), m.text("spec", "input 1x28x28\nfc units=10\n").floats("params", new float[7850])
                .floats("state", new float[0]).toBytes());

        images = Files.createDirectories(dir.resolve("images"));
        Path huge = Files.createDirectories(images.resolve("huge"));
        Files.write(huge.resolve("bomb.png"), pngDeclaring(16000, 16000));
        assertTrue(Files.size(huge.resolve("bomb.png")) < 200, "a tiny file");
        Path garbage = Files.createDirectories(images.resolve("garbage"));
        Files.write(garbage.resolve("a.png"), png(32, 32));
        Files.write(garbage.resolve("b.png"), "not an image at all".getBytes(StandardCharsets.US_ASCII));
        Path cut = Files.createDirectories(images.resolve("cut"));
        byte[] big = png(300, 200);
        Files.write(cut.resolve("cut.png"), Arrays.copyOf(big, big.length / 2));
        Path small = Files.createDirectories(images.resolve("small"));
        Files.write(small.resolve("ok.png"), png(32, 32));

        sweeps = Files.createDirectories(dir.resolve("sweeps"));
        write(sweeps.resolve("bad-key.sweep"), "search = grid\ntrails = 4\nspace.lr = grid(0.1, 0.01)\n");
        write(sweeps.resolve("bad-space.sweep"), "search = random\nspace.lr = loguniform(0.1)\ntrials = 2\n");
        write(sweeps.resolve("no-base.sweep"), "base = conf/train/no-such.conf\nspace.lr = grid(0.1, 0.01)\n");
        write(sweeps.resolve("no-model.sweep"), "search = grid\nspace.model = choice(lenet5, no-such-model)\n");
        write(sweeps.resolve("bad-train-key.sweep"), "search = grid\nset.momentun = 0.9\nspace.lr = grid(0.1, 0.01)\n");
        write(sweeps.resolve("good.sweep"), "search = grid\nset.model = lenet5\nset.data.shards = 4\nepochs = 1\nspace.lr = grid(0.1, 0.01)\n");
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsRefusedByNameAndHarmsNothing() {
        String d = data.toString(), out = dir.resolve("new-run").toString(), r = run.toString();
        List<Case> cases = new ArrayList<>(List.of(
                // model specs
                train("unknown layer kind", List.of("unknown-kind.model:3", "unknown layer kind 'convolution'"), "--model", spec("unknown-kind")),
                train("shape that does not fit", List.of("not-integer.model:2: layer 0 (conv) with input 3x32x32", "is not an integer"), "--model", spec("not-integer")),
                train("layer too large", List.of("overflow.model:3: layer 1 (conv) with input 3x32x32", "parameters", "make it smaller"), "--model", spec("overflow")),
                train("layer after the loss", List.of("after-loss.model:4", "'relu' after the loss on line 3"), "--model", spec("after-loss")),
                train("no input line", List.of("no-input.model", "no 'input' line"), "--model", spec("no-input")),
                train("misspelt key", List.of("typo-key.model:2", "conv has no key 'filter'"), "--model", spec("typo-key")),
                // any input size is fine (images are resized, issue 15), a channel count images cannot have is not
                train("model for images with 2 channels", List.of("two-channels.model", "takes input 2x32x32", "1 (grey) or 3 (RGB)"),
                        "--model", spec("two-channels")),
                train("model for other classes", List.of("five.model", "scores 5 classes"), "--model", spec("five")),
                train("missing spec", List.of("nope.model", "neither a file nor a shipped spec"), "--model", specs.resolve("nope.model").toString()),
                job("summary of a spec too large", 1, List.of("overflow.model:3: layer 1 (conv)"), "summary", "--model", spec("overflow")),
                // training configs and settings
                train("unknown config key", List.of("unknown-key.conf:2", "unknown key 'learning.rate'"), "--config", conf("unknown-key")),
                train("config value out of range", List.of("bad-value.conf:3", "momentum = 1.5", "[0, 1)"), "--config", conf("bad-value")),
                train("config line without =", List.of("no-equals.conf:1", "expected 'key = value'"), "--config", conf("no-equals")),
                train("unknown optimizer in any case", List.of("optimizer.conf:2", "optimizer = Nadam", "sgd, adam, adamw"), "--config", conf("optimizer")),
                train("missing config", List.of("cannot read training config", "missing.conf"), "--config", confs.resolve("missing.conf").toString()),
                train("--set unknown value", List.of("--set optimizer=adamax", "sgd, adam, adamw"), "--set", "optimizer=adamax"),
                train("--set without =", List.of("--set lr", "expected key=value"), "--set", "lr"),
                train("--set zero batch", List.of("--set batch.size=0", "batch.size = 0", "positive integer"), "--set", "batch.size=0"),
                train("--set NaN", List.of("--set lr=NaN", "not a number"), "--set", "lr=NaN"),
                train("more shards than records", List.of("100 records", "data.shards=1000"), "--set", "data.shards=1000"),
                // flags
                job("unknown flag", 2, List.of("--epoch"), "train", "--data", d, "--out", out, "--epoch", "3"),
                job("flag value not a number", 2, List.of("--epochs", "many"), "train", "--data", d, "--out", out, "--epochs", "many"),
                job("missing --data", 2, List.of("--data"), "train", "--out", out),
                job("--resume without --out", 2, List.of("--resume", "--out"), "train", "--data", d, "--resume"),
                job("--max-image-pixels 0", 2, List.of("--max-image-pixels 0"), "predict", "--model-file", r, "--input", images.resolve("small").toString(),
                        "--out", dir.resolve("p.csv").toString(), "--max-image-pixels", "0"),
                job("--partitions 0 for evaluate", 2, List.of("--partitions 0"), "evaluate", "--model-file", r, "--data", d, "--partitions", "0"),
                job("unknown trials placement", 2, List.of("--trials-placement", "gpu"), "sweep", "--sweep", sweep("good"), "--data", d,
                        "--out", dir.resolve("s").toString(), "--trials-placement", "gpu"),
                job("unknown job", 2, List.of("frobnicate"), "frobnicate"),
                job("a run directory without --resume", 1, List.of(r, "already has checkpoints", "--resume"), "train", "--data", d, "--out", r),
                // resuming with other training settings
                resume("another learning rate", List.of("--lr: lr = 0.5 differs from the checkpoint's lr = 0.002", "ckpt-00000002.scnn"), "--lr", "0.5"),
                resume("another schedule", List.of("--set schedule=cosine: schedule = cosine differs", "schedule = constant"), "--set", "schedule=cosine"),
                resume("more epochs", List.of("--epochs: epochs = 9 differs from the checkpoint's epochs = 1"), "--epochs", "9"),
                resume("another model", List.of("--model: model = cifar-quick is another model spec"), "--model", "cifar-quick"),
                resume("another momentum from a file", List.of("momentum.conf:1: momentum = 0.5 differs from the checkpoint's momentum = 0.9"),
                        "--config", conf("momentum")),
                resume("another weight decay", List.of("--set weight.decay=0.1: weight.decay = 0.1 differs"), "--set", "weight.decay=0.1"),
                // data files
                train("missing data", List.of("no-such-data", "does not exist"), "--data", dir.resolve("no-such-data").toString()),
                train("standard files missing", List.of("lacks data_batch_3.bin, data_batch_4.bin, data_batch_5.bin"), "--data", bins.resolve("partial").toString()),
                train("only the test set in the directory", List.of("no CIFAR-10 files in", "test_batch.bin, train.bin"), "--data", bins.resolve("only-test").toString()),
                train("a glob that takes in the test set", List.of("test_batch.bin", "leak test images"), "--data", d + "/*.bin"),
                train("test data that is training data", List.of("data_batch_1.bin is both in the training data"), "--data", d + "/data_batch_*.bin",
                        "--test-data", d + "/data_batch_1.bin"),
                train("truncated data file", List.of("data_batch_3.bin has", "not a multiple of the 3073"), "--data", bins.resolve("truncated").toString()),
                train("empty glob", List.of("no files match", "data_batch_9*.bin"), "--data", d + "/data_batch_9*.bin"),
                new Case("label out of range", 1, List.of("data_batch_2.bin: record 7 has label 12"), run, false,
                        "train", "--data", bins.resolve("labels") + "/data_batch_*.bin", "--out", dir.resolve("labels-run").toString(), "--master", "local[2]",
                        "--set", "data.shards=4"),
                new Case("buffers too large for the batch", 1, List.of("buffers for 100 images", "batch.size", "data.shards"), run, false,
                        "train", "--data", d, "--out", dir.resolve("wide-run").toString(), "--master", "local[2]", "--model", spec("wide"),
                        "--batch-size", "512", "--set", "data.shards=1"),
                job("evaluation data without a test set", 1, List.of("no CIFAR-10 files in", "expected test_batch.bin"), "evaluate", "--model-file", r,
                        "--data", bins.resolve("partial").toString()),
                // checkpoints
                broken("truncated newest checkpoint", "truncated", List.of("ckpt-00000002.scnn is corrupt or truncated", "move it away")),
                broken("section longer than the file", "lengths", List.of("ckpt-00000002.scnn: section 'params' declares 536870912 values")),
                broken("a model file among the checkpoints", "kind", List.of("ckpt-00000009.scnn is a model file, expected a checkpoint")),
                broken("a checkpoint with exploded parameters", "exploded", List.of("ckpt-00000002.scnn holds parameter 100 (layer 0 (conv2d)) = 4.0E30")),
                // model files
                job("truncated model", 1, List.of("truncated.scnn is corrupt or truncated"), "evaluate", "--model-file", model("truncated"), "--data", d),
                job("missing model", 1, List.of("missing.scnn does not exist"), "predict", "--model-file", models.resolve("missing.scnn").toString(),
                        "--input", images.resolve("small").toString(), "--out", dir.resolve("p.csv").toString()),
                job("a checkpoint as the model", 1, List.of("ckpt-00000001.scnn is a checkpoint file, expected a model"), "predict", "--model-file",
                        run.resolve("checkpoints/ckpt-00000001.scnn").toString(), "--input", images.resolve("small").toString(), "--out", dir.resolve("p.csv").toString()),
                job("a model of other classes", 1, List.of("five.scnn", "scores 5 classes", "has 10 classes"), "evaluate", "--model-file",
                        model("five"), "--data", d),
                job("a model whose statistics do not fit its input", 1, List.of("mnist.scnn", "normalization needs 2 numbers",
                        "per input channel", "found 6"), "evaluate", "--model-file", model("mnist"), "--data", d),
                job("a model with a bad normalisation", 1, List.of("normalization.scnn", "normalization '0.5 0.5 0.5 0 1 1'"), "predict", "--model-file",
                        model("normalization"), "--input", images.resolve("small").toString(), "--out", dir.resolve("p.csv").toString()),
                job("a model with too few parameters", 1, List.of("short.scnn", "10 parameters"), "predict", "--model-file", model("short"),
                        "--input", images.resolve("small").toString(), "--out", dir.resolve("p.csv").toString()),
                // images
                job("a tiny image declaring 16000x16000", 1, List.of("bomb.png declares 16000x16000", "--max-image-pixels"), "predict", "--model-file", r,
                        "--input", images.resolve("huge").toString(), "--out", dir.resolve("p.csv").toString()),
                job("a file that is no image", 1, List.of("b.png is not a readable PNG or JPEG image"), "predict", "--model-file", r,
                        "--input", images.resolve("garbage").toString(), "--out", dir.resolve("p.csv").toString()),
                job("a cut-off image", 1, List.of("cut.png is not a readable PNG or JPEG image"), "predict", "--model-file", r,
                        "--input", images.resolve("cut").toString(), "--out", dir.resolve("p.csv").toString()),
                job("an image above a lowered cap", 1, List.of("ok.png declares 32x32 = 1,024 pixels", "cap of 100"), "predict", "--model-file", r,
                        "--input", images.resolve("small").toString(), "--out", dir.resolve("p.csv").toString(), "--max-image-pixels", "100"),
                // sweep files
                job("unknown sweep key", 1, List.of("bad-key.sweep:2", "trails", "unknown sweep key"), "sweep", "--sweep", sweep("bad-key"), "--data", d,
                        "--out", dir.resolve("s").toString()),
                job("bad search space", 1, List.of("bad-space.sweep:2", "space.lr"), "sweep", "--sweep", sweep("bad-space"), "--data", d,
                        "--out", dir.resolve("s").toString()),
                job("missing base config", 1, List.of("no-base.sweep:1", "base", "no-such.conf", "does not exist"), "sweep", "--sweep", sweep("no-base"),
                        "--data", d, "--out", dir.resolve("s").toString()),
                job("missing swept model", 1, List.of("no-model.sweep:2", "space.model", "no-such-model"), "sweep", "--sweep", sweep("no-model"),
                        "--data", d, "--out", dir.resolve("s").toString()),
                job("misspelt training key in a sweep", 1, List.of("bad-train-key.sweep:2", "momentun"), "sweep", "--sweep", sweep("bad-train-key"),
                        "--data", d, "--out", dir.resolve("s").toString()),
                job("a sweep into a run directory", 1, List.of(r, "not a sweep directory"), "sweep", "--sweep", sweep("good"), "--data", d, "--out", r)));
        assertTrue(cases.size() >= 40, cases.size() + " cases");
        RunDirectory before = RunDirectory.snapshot(run);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            RunDirectory unchanged = c.unchanged.equals(run) ? before : RunDirectory.snapshot(c.unchanged);
            String[] r2 = JobsTest.run(c.args);
            assertEquals(String.valueOf(c.exit), r2[0], c.name + ": exit code; stderr: " + r2[2]);
            for (String s : c.named) assertTrue(r2[2].contains(s), c.name + ": the message names '" + s + "': " + r2[2]);
            for (String line : r2[2].split("\n")) {
                if (line.startsWith("error: ")) assertFalse(line.matches(".*\\w+Exception: .*"), c.name + ": a sentence, not an exception: " + line);
            }
            unchanged.assertUnchanged(c.name);
            if (c.noNewRun) assertFalse(Files.exists(dir.resolve("new-run")), c.name + ": refused before a run directory was made");
        }));
    }

    private static Case train(String name, List<String> named, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--out", dir.resolve("new-run").toString()));
        if (!List.of(more).contains("--data")) args.addAll(List.of("--data", data.toString()));
        args.addAll(List.of(more));
        return new Case(name, 1, named, run, true, args.toArray(new String[0]));
    }

    private static Case resume(String name, List<String> named, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", run.toString(), "--resume", "--master", "local[2]"));
        args.addAll(List.of(more));
        return new Case(name, 1, named, run, true, args.toArray(new String[0]));
    }

    private static Case broken(String name, String copy, List<String> named) {
        Path dirCopy = broken.resolve(copy);
        return new Case(name, 1, named, dirCopy, true, "train", "--data", data.toString(), "--out", dirCopy.toString(), "--resume",
                "--master", "local[2]");
    }

    private static Case job(String name, int exit, List<String> named, String... args) {
        return new Case(name, exit, named, run, true, args);
    }

    private static String spec(String name) {
        return specs.resolve(name + ".model").toString();
    }

    private static String conf(String name) {
        return confs.resolve(name + ".conf").toString();
    }

    private static String model(String name) {
        return models.resolve(name + ".scnn").toString();
    }

    private static String sweep(String name) {
        return sweeps.resolve(name + ".sweep").toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static void copyRun(Path to) throws IOException {
        try (Stream<Path> all = Files.walk(run)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path t = to.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    /** A model/checkpoint file with a valid checksum whose section {@code section} declares {@code len} values. */
    static byte[] withLength(byte[] file, String section, int len) {
        byte[] b = file.clone();
        byte[] name = section.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 2 + name.length < b.length; i++) {
            if (b[i] == 0 && b[i + 1] == name.length && Arrays.equals(Arrays.copyOfRange(b, i + 2, i + 2 + name.length), name)) {
                ByteBuffer.wrap(b).putInt(i + 2 + name.length + 1, len);
                CRC32 crc = new CRC32();
                crc.update(b, 0, b.length - 8);
                ByteBuffer.wrap(b).putLong(b.length - 8, crc.getValue());
                return b;
            }
        }
        throw new IllegalArgumentException("no section " + section);
    }

    static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 + y * 13) * 0x010203);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A valid 1x1 PNG whose header says {@code w x h}: what a decoder would allocate for. */
    static byte[] pngDeclaring(int w, int h) throws IOException {
        byte[] b = png(1, 1);
        ByteBuffer buf = ByteBuffer.wrap(b);
        // signature (8), IHDR length (4), "IHDR" (4), width, height, ..., CRC over type and data at 8 + 4 + 4 + 13
        buf.putInt(16, w);
        buf.putInt(20, h);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        buf.putInt(29, (int) crc.getValue());
        return b;
    }
}
