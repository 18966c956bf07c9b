package dev.sparkcnn.driver.data;

import org.apache.hadoop.conf.Configuration;

import java.io.Serializable;
import java.util.List;

/**
 * A data set of labelled images on a Hadoop FileSystem whose records have a fixed global order,
 * so that record i is the same image on every executor and in every run: CIFAR-10/100 binary files
 * ({@link CifarFiles}) and image folder trees ({@link ImageFolderSource}). What the driver holds is
 * the index (file names, record counts, class names), never the pixels: shards are read and decoded
 * in the tasks that cache them ({@link ShardLoader}).
 */
public interface ImageSource extends Serializable {

    long records();

    /** The class names, indexed by label. */
    List<String> classNames();

    /** Where the data is, for messages. */
    String description();

    /**
     * Records {@code [from, to)} decoded to the decoder's layout into {@code pixels} (from offset 0)
     * and {@code labels}; returns how many were read. A source may skip unreadable records (see
     * {@code data.skip.unreadable}): then fewer than {@code to - from} are read, and
     * {@code skipped[0]} counts the rest.
     */
    int read(long from, long to, ImageDecoder decoder, byte[] labels, byte[] pixels, long[] skipped, Configuration conf);
}
