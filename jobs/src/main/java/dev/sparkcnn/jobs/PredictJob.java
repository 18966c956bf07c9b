package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.model.CifarCompatibility;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.jobs.predict.ImageFolder;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code predict}: class and probabilities per image, as CSV. Input: CIFAR-10 binary records, or
 * a folder of PNG/JPEG images; images of another size than 32x32 are resized to 32x32 (bilinear,
 * aspect ratio not kept, see {@link dev.sparkcnn.jobs.predict.Bilinear}) and the CSV says so in its
 * {@code note} column. An image whose header declares more than {@code --max-image-pixels} is
 * refused before it is decoded; the model must take 3x32x32 images and score the 10 classes. Runs
 * in the driver process, a chunk of images at a time; the CSV appears complete or not at all.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict classes for CIFAR-10 records or a folder of PNG/JPEG images; write CSV.",
                "Images that are not 32x32 are resized to 32x32 (bilinear)."})
final class PredictJob implements Callable<Integer> {

    @Option(names = "--model-file", required = true, paramLabel = "PATH", description = "model.scnn, or a run directory")
    String modelFile;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "CIFAR-10 .bin file/directory/glob, or a directory of .png/.jpg/.jpeg images")
    String input;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "CSV to write")
    String out;

    @Option(names = "--max-image-pixels", paramLabel = "N", defaultValue = "" + ImageFolder.DEFAULT_MAX_PIXELS,
            description = "refuse an image whose header declares more pixels than this, before decoding it (default: ${DEFAULT-VALUE}, 4096x4096)")
    long maxImagePixels;

    @Spec
    CommandSpec commandSpec;

    /** Images scored at a time: input is read, scored and written in chunks, so its size is not bounded by memory. */
    static final int CHUNK = 4096;

    @Override
    public Integer call() throws Exception {
        if (maxImagePixels <= 0) {
            throw new ParameterException(commandSpec.commandLine(), "--max-image-pixels " + maxImagePixels + ": must be positive");
        }
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(modelFile, hadoop);
        Predictor predictor = new Predictor(model);
        dev.sparkcnn.kernels.tensor.Shape in = model.network().inputShape();
        int size = in.size();
        List<String> classNames = model.classNames();
        ImageFolder folder = localFolder(input)
                ? ImageFolder.of(java.nio.file.Path.of(input), maxImagePixels, in.channels(), in.height(), in.width()) : null;
        CifarFiles records = folder == null ? CifarFiles.resolve(input, List.of(CifarRecords.TEST_FILE), hadoop) : null;
        long n = folder != null ? folder.files().size() : records.records();

        Path file = new Path(out);
        FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(file, hadoop);
        Path tmp = new Path(file.getParent() == null ? new Path(".") : file.getParent(), "." + file.getName() + ".tmp");
        try (Writer csv = new BufferedWriter(new OutputStreamWriter(fs.create(tmp, true), StandardCharsets.UTF_8))) {
            csv.write("source,predicted,class");
            for (String c : classNames) csv.write(",p_" + c);
            csv.write(",note\n");
            for (long start = 0; start < n; start += CHUNK) {
                int count = (int) Math.min(CHUNK, n - start);
                byte[] pixels = new byte[count * size], labels = new byte[count];
                String[] names = new String[count], notes = new String[count];
                if (folder != null) {
                    for (int j = 0; j < count; j++) {
                        ImageFolder.Image img = folder.read((int) start + j);
                        System.arraycopy(img.chw(), 0, pixels, j * size, size);
                        names[j] = folder.files().get((int) start + j).getFileName().toString();
                        notes[j] = img.note();
                    }
                } else {
                    records.read(start, start + count, new dev.sparkcnn.driver.data.ImageDecoder(in.channels(), in.height(), in.width(),
                            maxImagePixels), labels, pixels, new long[1], hadoop);
                    for (int j = 0; j < count; j++) {
                        names[j] = "record " + (start + j);
                        notes[j] = "label " + labels[j];
                    }
                }
                float[][] p = predictor.probabilities(predictor.block(pixels, count));
                for (int j = 0; j < count; j++) {
                    int k = Predictor.argmax(p[j]);
                    csv.write(quote(names[j]) + "," + k + "," + quote(classNames.get(k)));
                    for (float v : p[j]) csv.write(String.format(Locale.ROOT, ",%.6f", v));
                    csv.write("," + quote(notes[j]) + "\n");
                }
            }
        } catch (RuntimeException | IOException e) {
            fs.delete(tmp, false);
            throw e;
        }
        CheckpointStore.replace(fs, tmp, fs.makeQualified(file), hadoop);
        System.out.printf("predicted %d images -> %s%n", n, file);
        return 0;
    }

    /** A folder of images is read from the local file system; anything else is CIFAR-10 records on any Hadoop URI. */
    private static boolean localFolder(String input) {
        try {
            return Files.isDirectory(java.nio.file.Path.of(input));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
