package dev.sparkcnn.driver.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

import java.io.IOException;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checkpoints of a run in a directory on any Hadoop FileSystem: {@code ckpt-00001234.scnn}, one per
 * saved step. A save writes a hidden temporary file completely and then renames it into place, so
 * a crash mid-write never leaves a partial checkpoint under a real name, and an older checkpoint is
 * deleted only after a newer one is in place.
 */
public final class CheckpointStore {

    private static final String PREFIX = "ckpt-", SUFFIX = ".scnn";

    private final Path dir;
    private final Configuration conf;
    private final int keep;

    public CheckpointStore(String dir, Configuration conf, int keep) {
        this.dir = new Path(dir);
        this.conf = conf;
        this.keep = Math.max(1, keep);
    }

    public String location() {
        return dir.toString();
    }

    /** Writes atomically; returns the file written. */
    public String save(long step, ModelFile file) {
        Path target = new Path(dir, String.format("%s%08d%s", PREFIX, step, SUFFIX));
        writeAtomically(target, file.toBytes(), conf);
        prune();
        return target.toString();
    }

    /**
     * Writes bytes to a temporary sibling, then moves it over {@code target} with the file system's
     * atomic replace where it has one, so {@code target} is at every moment either the old file or the
     * new one, never missing: rename(2) for local files, HDFS's rename with overwrite through
     * {@link FileContext}. Only a file system with neither (no AbstractFileSystem binding) falls back
     * to delete-then-rename.
     */
    public static void writeAtomically(Path target, byte[] bytes, Configuration conf) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(target, conf);
            fs.mkdirs(target.getParent());
            FSDataOutputStream out = fs.create(tmp, true);
            try {
                out.write(bytes);
                out.hsync();
            } catch (IOException e) {
                // not try-with-resources: HDFS rethrows the same exception from close(), which cannot suppress itself
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the write's own failure is the one to report
                }
                fs.delete(tmp, false);
                throw e;
            }
            out.close();
            replace(fs, tmp, target, conf);
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code from} over {@code to} atomically where the file system can. */
    public static void replace(FileSystem fs, Path from, Path to, Configuration conf) throws IOException {
        if (fs instanceof RawLocalFileSystem) {
            RawLocalFileSystem local = (RawLocalFileSystem) fs;
            java.nio.file.Files.move(local.pathToFile(from).toPath(), local.pathToFile(to).toPath(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        FileContext fc;
        try {
            fc = FileContext.getFileContext(fs.getUri(), conf);
        } catch (UnsupportedFileSystemException e) {
            fc = null;
        }
        if (fc != null) {
            fc.rename(fs.makeQualified(from), fs.makeQualified(to), Options.Rename.OVERWRITE);
            return;
        }
        if (fs.exists(to) && !fs.delete(to, false)) throw new IOException("cannot replace " + to);
        if (!fs.rename(from, to)) throw new IOException("rename " + from + " -> " + to + " failed");
    }

    public static byte[] readAll(Path file, Configuration conf) {
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(file, conf);
            if (!fs.exists(file)) throw new CheckpointException(file + " does not exist");
            long len = fs.getFileStatus(file).getLen();
            if (len > Integer.MAX_VALUE - 16) throw new CheckpointException(file + " is too large (" + len + " bytes)");
            byte[] data = new byte[(int) len];
            try (FSDataInputStream in = fs.open(file)) {
                in.readFully(0, data);
            }
            return data;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Saved checkpoints, newest first. */
    public List<Path> list() {
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(dir, conf);
            if (!fs.exists(dir)) return List.of();
            FileStatus[] files = fs.listStatus(dir, p -> p.getName().startsWith(PREFIX) && p.getName().endsWith(SUFFIX));
            List<Path> paths = new ArrayList<>();
            for (FileStatus f : files) paths.add(f.getPath());
            paths.sort(Comparator.comparing(Path::getName).reversed());
            return paths;
        } catch (IOException e) {
            throw new CheckpointException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The newest checkpoint's file, or null when there is none. */
    public Path newest() {
        List<Path> all = list();
        return all.isEmpty() ? null : all.get(0);
    }

    /**
     * The newest checkpoint, validated, or null when there is none. A newest checkpoint that is
     * corrupt is an error (not silently skipped): the message names it and says what to do.
     */
    public ModelFile latest() {
        List<Path> all = list();
        if (all.isEmpty()) return null;
        Path newest = all.get(0);
        try {
            return ModelFile.fromBytes(readAll(newest, conf), newest.toString(), "checkpoint");
        } catch (CheckpointException e) {
            throw new CheckpointException(e.getMessage() + ". Refusing to resume from it; move it away to resume from "
                    + (all.size() > 1 ? all.get(1).getName() : "scratch") + ".", e);
        }
    }

    private void prune() {
        List<Path> all = list();
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(dir, conf);
            for (Path p : all.subList(Math.min(keep, all.size()), all.size())) fs.delete(p, false);
        } catch (IOException e) {
            throw new CheckpointException("cannot delete old checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return dir + " (keeps " + keep + ")";
    }
}
