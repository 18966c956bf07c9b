package dev.sparkcnn.driver.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Metrics as JSON lines ({@code metrics.jsonl}) on any Hadoop FileSystem, flushed line by line. */
public final class MetricsLog implements AutoCloseable {

    private final FSDataOutputStream out;
    private final String location;

    public MetricsLog(String file, Configuration conf, boolean append) {
        Path p = new Path(file);
        this.location = p.toString();
        try {
            FileSystem fs = dev.sparkcnn.driver.data.FileSystems.of(p, conf);
            fs.mkdirs(p.getParent());
            boolean exists = fs.exists(p);
            FSDataOutputStream o;
            if (append && exists) {
                // keep earlier lines of a resumed run: rewrite them, as not every FileSystem appends
                byte[] old;
                try (var in = fs.open(p)) {
                    old = in.readAllBytes();
                }
                o = fs.create(p, true);
                o.write(old);
            } else {
                o = fs.create(p, true);
            }
            this.out = o;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized void write(Map<String, ?> record) {
        try {
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
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
