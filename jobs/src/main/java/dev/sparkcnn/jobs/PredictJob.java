package dev.sparkcnn.jobs;

import dev.sparkcnn.driver.data.CifarFiles;
import dev.sparkcnn.driver.model.Predictor;
import dev.sparkcnn.driver.model.SavedModel;
import dev.sparkcnn.kernels.data.CifarBlock;
import dev.sparkcnn.kernels.data.CifarClasses;
import dev.sparkcnn.kernels.data.CifarRecords;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code predict}: class and probabilities per image, as CSV. Input: CIFAR-10 binary records, or
 * a folder of PNG/JPEG images; images of another size than 32x32 are resized to 32x32 (bilinear,
 * aspect ratio not kept) and the CSV says so in its {@code note} column. Runs in the driver
 * process: prediction of a few thousand images takes seconds.
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

    @Override
    public Integer call() throws Exception {
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(modelFile, hadoop);
        List<String> names = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        CifarBlock block = imageFolder(names, notes);
        if (block == null) block = records(hadoop, names, notes);
        float[][] p = new Predictor(model).probabilities(block);
        StringBuilder csv = new StringBuilder("source,predicted,class");
        for (String c : CifarClasses.NAMES) csv.append(",p_").append(c);
        csv.append(",note\n");
        for (int i = 0; i < p.length; i++) {
            int k = Predictor.argmax(p[i]);
            csv.append(quote(names.get(i))).append(',').append(k).append(',').append(CifarClasses.name(k));
            for (float v : p[i]) csv.append(',').append(String.format(Locale.ROOT, "%.6f", v));
            csv.append(',').append(notes.get(i)).append('\n');
        }
        Path file = new Path(out);
        TrainJob.write(dev.sparkcnn.driver.data.FileSystems.of(file, hadoop), file, csv.toString());
        System.out.printf("predicted %d images -> %s%n", p.length, file);
        return 0;
    }

    private CifarBlock records(Configuration hadoop, List<String> names, List<String> notes) {
        CifarFiles files = CifarFiles.resolve(input, List.of(CifarRecords.TEST_FILE), hadoop);
        int n = Math.toIntExact(files.records());
        byte[] labels = new byte[n], pixels = new byte[n * CifarRecords.IMAGE_BYTES];
        files.read(0, n, labels, pixels, hadoop);
        for (int i = 0; i < n; i++) {
            names.add("record " + i);
            notes.add("label " + labels[i]);
        }
        return new CifarBlock(pixels, labels);
    }

    /** A folder of images, or null when {@code input} is not a local folder with images. */
    private CifarBlock imageFolder(List<String> names, List<String> notes) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(input);
        if (!Files.isDirectory(dir)) return null;
        List<java.nio.file.Path> files;
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)$")).sorted().toList();
        }
        if (files.isEmpty()) return null;
        byte[] pixels = new byte[files.size() * CifarRecords.IMAGE_BYTES];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            if (img == null) throw new IllegalArgumentException(files.get(i) + " is not a readable PNG or JPEG image");
            String note = "";
            if (img.getWidth() != 32 || img.getHeight() != 32) {
                note = "resized from " + img.getWidth() + "x" + img.getHeight();
                BufferedImage small = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = small.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(img, 0, 0, 32, 32, null);
                g.dispose();
                img = small;
            }
            int o = i * CifarRecords.IMAGE_BYTES;
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int rgb = img.getRGB(x, y);
                    pixels[o + y * 32 + x] = (byte) (rgb >> 16);
                    pixels[o + 1024 + y * 32 + x] = (byte) (rgb >> 8);
                    pixels[o + 2048 + y * 32 + x] = (byte) rgb;
                }
            }
            names.add(files.get(i).getFileName().toString());
            notes.add(note);
        }
        return new CifarBlock(pixels, new byte[files.size()]);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
