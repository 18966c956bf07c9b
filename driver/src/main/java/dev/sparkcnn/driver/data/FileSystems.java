package dev.sparkcnn.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * The Hadoop FileSystem of a path, with one change: local paths use the raw local file system.
 * Hadoop's default local file system keeps a hidden .crc file per file, which a file appended to
 * and flushed line by line (metrics) gets out of step with, and which clutters run directories.
 */
public final class FileSystems {

    private FileSystems() {
    }

    public static FileSystem of(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRawFileSystem() : fs;
    }
}
