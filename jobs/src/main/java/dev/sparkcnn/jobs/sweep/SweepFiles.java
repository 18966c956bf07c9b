package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.driver.checkpoint.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The files of a sweep directory on any Hadoop FileSystem ({@code file:}, {@code hdfs:}, {@code s3a:}):
 * small text files read whole, and written whole (a temporary file renamed over the target, as
 * checkpoints are, so a reader sees the old file or the new one).
 */
final class SweepFiles {

    private final Configuration conf;

    SweepFiles(Configuration conf) {
        this.conf = conf;
    }

    Configuration conf() {
        return conf;
    }

    private FileSystem fs(Path p) throws IOException {
        return dev.sparkcnn.driver.data.FileSystems.of(p, conf);
    }

    /** The fully qualified form of {@code p} (relative paths against the default file system's working directory). */
    Path qualify(Path p) {
        try {
            return fs(p).makeQualified(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + p + ": " + e.getMessage(), e);
        }
    }

    boolean exists(Path p) throws IOException {
        return fs(p).exists(p);
    }

    String read(Path p) throws IOException {
        try (var in = fs(p).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Whether {@code p} is a directory with anything in it. */
    boolean isNonEmptyDirectory(Path p) throws IOException {
        FileSystem fs = fs(p);
        return fs.exists(p) && fs.getFileStatus(p).isDirectory() && fs.listStatus(p).length > 0;
    }

    void mkdirs(Path p) throws IOException {
        fs(p).mkdirs(p);
    }

    void delete(Path p) throws IOException {
        fs(p).delete(p, false);
    }

    /** Writes {@code text} completely to a temporary sibling and renames it over {@code p}. */
    void write(Path p, String text) {
        CheckpointStore.writeAtomically(p, text.getBytes(StandardCharsets.UTF_8), conf);
    }

    /** Copies a (model) file whole, replacing {@code to} in one step. */
    void copy(Path from, Path to) {
        CheckpointStore.writeAtomically(to, CheckpointStore.readAll(from, conf), conf);
    }
}
