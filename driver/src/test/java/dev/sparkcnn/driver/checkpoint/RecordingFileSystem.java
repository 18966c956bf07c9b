package dev.sparkcnn.driver.checkpoint;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Local files under test schemes, for what a plain local test cannot show. {@code recording:} logs
 * every delete; {@code noappend:} has no append (as an object store); {@code crashing:} truncates a
 * file it is asked to create over and then fails, as a process killed in the middle of rewriting it.
 * Register with {@code fs.<scheme>.impl} and {@code fs.<scheme>.impl.disable.cache = true}.
 */
public class RecordingFileSystem extends RawLocalFileSystem {

    public static final List<String> DELETES = Collections.synchronizedList(new ArrayList<>());

    private final String scheme;

    public RecordingFileSystem() {
        this("recording");
    }

    protected RecordingFileSystem(String scheme) {
        this.scheme = scheme;
    }

    @Override
    public URI getUri() {
        return URI.create(scheme + ":///");
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
        DELETES.add(p.toUri().getPath());
        return super.delete(p, recursive);
    }

    /** No append, like S3. */
    public static class NoAppend extends RecordingFileSystem {
        public NoAppend() {
            super("noappend");
        }

        @Override
        public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
            throw new UnsupportedOperationException("append is not supported by " + getScheme());
        }
    }

    /** Dies while replacing a file's content: create() truncates it, then fails. */
    public static class Crashing extends RecordingFileSystem {
        public Crashing() {
            super("crashing");
        }

        @Override
        public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                         long blockSize, Progressable progress) throws IOException {
            crashIfRewriting(f, overwrite);
            return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }

        @Override
        public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                         Progressable progress) throws IOException {
            crashIfRewriting(f, overwrite);
            return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
        }

        private void crashIfRewriting(Path f, boolean overwrite) throws IOException {
            if (overwrite && exists(f)) {
                new java.io.FileOutputStream(pathToFile(f)).close();   // truncated
                throw new IOException("simulated crash while rewriting " + f);
            }
        }
    }

    public static org.apache.hadoop.conf.Configuration conf() {
        org.apache.hadoop.conf.Configuration c = new org.apache.hadoop.conf.Configuration();
        for (String[] s : new String[][] {{"recording", RecordingFileSystem.class.getName()}, {"noappend", NoAppend.class.getName()},
                {"crashing", Crashing.class.getName()}}) {
            c.set("fs." + s[0] + ".impl", s[1]);
            c.set("fs." + s[0] + ".impl.disable.cache", "true");
        }
        return c;
    }
}
