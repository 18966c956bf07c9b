package dev.sparkcnn.jobs.yarn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Spark's own jars for YARN containers when there is no Spark distribution: one zip with the jars at
 * its root, on the cluster's default file system, named by {@code spark.yarn.archive}. It is built and
 * uploaded once per set of jars (the name carries a digest of the jar names and sizes) and then
 * reused by every application: Spark does not copy an archive that already lives on the staging
 * file system, and the NodeManagers keep it in their cache (public, since the file and its folders
 * are world-readable), so an application ships only its own jar.
 */
public final class SparkJarsArchive {

    /** Where archives go, under the user's home directory on the default file system. */
    static final String FOLDER = ".sparkcnn/spark-archives";

    private SparkJarsArchive() {
    }

    /**
     * The archive of {@code jars} on the default file system of {@code conf}, uploaded now if it is
     * not there yet; returns its fully qualified URI for {@code spark.yarn.archive}.
     */
    public static String ensure(List<java.nio.file.Path> jars, Configuration conf, PrintStream log) throws IOException {
        FileSystem fs = FileSystem.get(conf);
        Path dir = new Path(fs.getHomeDirectory(), FOLDER);
        Path archive = fs.makeQualified(new Path(dir, "spark-jars-" + digest(jars) + ".zip"));
        if (fs.exists(archive)) {
            log.println("spark.yarn.archive: reusing " + archive);
            return archive.toString();
        }
        long t0 = System.nanoTime();
        // YARN caches a resource for every user of a node only when it and its folders are world-readable
        fs.mkdirs(dir);
        fs.setPermission(dir.getParent(), new FsPermission((short) 0755));
        fs.setPermission(dir, new FsPermission((short) 0755));
        Path tmp = new Path(dir, "." + archive.getName() + "." + System.nanoTime() + ".tmp");
        long bytes = 0;
        try (FSDataOutputStream out = fs.create(tmp, new FsPermission((short) 0644), true, 1 << 20,
                fs.getDefaultReplication(tmp), fs.getDefaultBlockSize(tmp), null);
             ZipOutputStream zip = new ZipOutputStream(out)) {
            byte[] buf = new byte[1 << 20];
            for (java.nio.file.Path jar : jars) {
                // jars are compressed already: store them, which also lets the NodeManager unpack fast
                ZipEntry e = new ZipEntry(jar.getFileName().toString());
                e.setMethod(ZipEntry.STORED);
                e.setSize(Files.size(jar));
                e.setCompressedSize(Files.size(jar));
                e.setCrc(crc(jar, buf));
                zip.putNextEntry(e);
                try (InputStream in = Files.newInputStream(jar)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        zip.write(buf, 0, n);
                        bytes += n;
                    }
                }
                zip.closeEntry();
            }
        }
        try {
            // another launcher may have uploaded the same archive meanwhile: same name, same content
            if (!fs.rename(tmp, archive) && !fs.exists(archive)) throw new IOException("cannot rename " + tmp + " to " + archive);
        } finally {
            fs.delete(tmp, false);
        }
        log.printf("spark.yarn.archive: uploaded %d jars (%,d MB) to %s in %.1f s; later applications reuse it%n", jars.size(),
                bytes >> 20, archive, (System.nanoTime() - t0) / 1e9);
        return archive.toString();
    }

    /** A digest of the jar names and sizes (Maven jars of a version do not change). */
    static String digest(List<java.nio.file.Path> jars) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<String> lines = new ArrayList<>();
            for (java.nio.file.Path j : jars) lines.add(j.getFileName() + " " + Files.size(j));
            for (String l : lines) md.update((l + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long crc(java.nio.file.Path file, byte[] buf) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) crc.update(buf, 0, n);
        }
        return crc.getValue();
    }
}
