// Turns CIFAR-10 binary files into an image folder tree, the layout `train` reads for your own images:
//   OUT/train/<class>/00000.png ...   (from data_batch_1..5.bin)
//   OUT/test/<class>/00000.png ...    (from test_batch.bin, when present)
// Usage: java deploy/lib/CifarToFolder.java CIFAR_DIR OUT_DIR [--per-class N] [--size S] [--jpeg]
//   --per-class N  at most N images per class and split (default: all)
//   --size S       upscale to S x S (nearest neighbour; default 32, as stored)
//   --jpeg         write JPEG instead of PNG
// Class folder names come from CIFAR_DIR/batches.meta.txt when present, else CIFAR-10's names.
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class CifarToFolder {
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java CifarToFolder.java CIFAR_DIR OUT_DIR [--per-class N] [--size S] [--jpeg]");
            System.exit(2);
        }
        Path in = Path.of(args[0]), out = Path.of(args[1]);
        int perClass = Integer.MAX_VALUE, size = 32;
        boolean jpeg = false;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--per-class" -> perClass = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--jpeg" -> jpeg = true;
                default -> { System.err.println("unknown option " + args[i]); System.exit(2); }
            }
        }
        if (size < 32 || size % 32 != 0) { System.err.println("--size must be a multiple of 32"); System.exit(2); }
        List<String> names = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
        Path meta = in.resolve("batches.meta.txt");
        if (Files.exists(meta)) {
            List<String> m = new ArrayList<>();
            for (String line : Files.readAllLines(meta)) if (!line.isBlank()) m.add(line.trim());
            if (m.size() == 10) names = m;
        }
        List<Path> train = new ArrayList<>();
        for (int b = 1; b <= 5; b++) if (Files.exists(in.resolve("data_batch_" + b + ".bin"))) train.add(in.resolve("data_batch_" + b + ".bin"));
        if (train.isEmpty()) { System.err.println("no data_batch_*.bin in " + in); System.exit(1); }
        int n = write(train, out.resolve("train"), names, perClass, size, jpeg);
        int t = Files.exists(in.resolve("test_batch.bin"))
                ? write(List.of(in.resolve("test_batch.bin")), out.resolve("test"), names, perClass, size, jpeg) : 0;
        System.out.printf("wrote %d training and %d test images (%dx%d %s) to %s%n", n, t, size, size, jpeg ? "JPEG" : "PNG", out);
    }

    static int write(List<Path> files, Path dir, List<String> names, int perClass, int size, boolean jpeg) throws IOException {
        int[] count = new int[10];
        int total = 0, scale = size / 32;
        for (Path f : files) {
            byte[] data = Files.readAllBytes(f);
            if (data.length % 3073 != 0) throw new IOException(f + " is not CIFAR-10 binary (" + data.length + " bytes)");
            for (int r = 0; r < data.length / 3073; r++) {
                int label = data[r * 3073] & 0xff;
                if (label > 9) throw new IOException(f + ": record " + r + " has label " + label);
                if (count[label] >= perClass) continue;
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int p = r * 3073 + 1 + (y / scale) * 32 + x / scale;
                        img.setRGB(x, y, (data[p] & 0xff) << 16 | (data[p + 1024] & 0xff) << 8 | (data[p + 2048] & 0xff));
                    }
                }
                Path classDir = dir.resolve(names.get(label));
                Files.createDirectories(classDir);
                String ext = jpeg ? "jpg" : "png";
                ImageIO.write(img, jpeg ? "jpg" : "png", classDir.resolve(String.format("%05d.%s", count[label]++, ext)).toFile());
                total++;
            }
        }
        return total;
    }
}
