package dev.sparkcnn.driver.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Metrics as JSON lines ({@code metrics.jsonl}) on any Hadoop FileSystem, flushed line by line.
 *
 * <p>The file is opened with the first record, so a run that fails before its first step (a
 * refused resume, bad data) leaves an existing file as it was. A resumed run ({@code append})
 * adds to the file and never rewrites what is there: it appends where the file system can (local
 * files, HDFS); elsewhere (object stores) it writes the old lines and the new ones to a temporary
 * sibling that replaces the file when the log is closed, so a crash loses at most the new lines.
 */
public final class MetricsLog implements AutoCloseable {

    private final Path path;
    private final Configuration conf;
    private final boolean append;
    private final String location;
    private FileSystem fs;
    private FSDataOutputStream out;
    private Path pending;   // the temporary file that replaces path on close (file systems without append)

    public MetricsLog(String file, Configuration conf, boolean append) {
        this.path = new Path(file);
        this.conf = conf;
        this.append = append;
        this.location = path.toString();
    }

    private void open() throws IOException {
        fs = dev.sparkcnn.driver.data.FileSystems.of(path, conf);
        fs.mkdirs(path.getParent());
        if (!append || !fs.exists(path)) {
            out = fs.create(path, true);
            return;
        }
        boolean newline = endsWithNewline();
        try {
            out = fs.append(path);
        } catch (UnsupportedOperationException | IOException e) {
            // no append here: copy the history into a new file, which replaces the old one on close
            pending = new Path(path.getParent(), "." + path.getName() + ".resumed");
            out = fs.create(pending, true);
            try (FSDataInputStream in = fs.open(path)) {
                in.transferTo(out);
            }
        }
        if (!newline) out.write('\n');   // a line cut short by a crash stays on its own line
    }

    private boolean endsWithNewline() throws IOException {
        long len = fs.getFileStatus(path).getLen();
        if (len == 0) return true;
        try (FSDataInputStream in = fs.open(path)) {
            in.seek(len - 1);
            return in.read() == '\n';
        }
    }

    public synchronized void write(Map<String, ?> record) {
        try {
            if (out == null) open();
            out.write((Json.object(record) + "\n").getBytes(StandardCharsets.UTF_8));
            out.hflush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics to " + location + ": " + e.getMessage(), e);
        }
    }

    public String location() {
        return location;
    }

    @Override
    public synchronized void close() {
        if (out == null) return;
        try {
            out.close();
            if (pending != null) dev.sparkcnn.driver.checkpoint.CheckpointStore.replace(fs, pending, path, conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics file " + location + ": " + e.getMessage(), e);
        } finally {
            out = null;
        }
    }
}
