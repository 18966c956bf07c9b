package dev.sparkcnn.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.File;

/**
 * {@code deploy/hadoop/put LOCAL DEST} and {@code deploy/hadoop/get SRC LOCAL}: copies a file or a
 * directory to or from the cluster of {@code HADOOP_CONF_DIR} (cluster paths relative to the user's
 * home directory there), like {@code hdfs dfs -put -f} / {@code -get} on a machine without a Hadoop
 * distribution.
 */
public final class Copy {

    private Copy() {
    }

    public static void main(String[] args) throws Exception {
        String confDir = System.getenv("HADOOP_CONF_DIR");
        if (args.length != 3 || !(args[0].equals("put") || args[0].equals("get")) || confDir == null) {
            System.err.println("usage: HADOOP_CONF_DIR=... Copy put LOCAL DEST | get SRC LOCAL");
            System.exit(2);
        }
        Configuration conf = new Configuration();
        for (String f : new String[] {"core-site.xml", "hdfs-site.xml"}) {
            File file = new File(confDir, f);
            if (file.isFile()) conf.addResource(new Path(file.toURI()));
        }
        if (args[0].equals("put")) {
            File local = new File(args[1]);
            if (!local.exists()) {
                System.err.println("error: " + local + " does not exist");
                System.exit(2);
            }
            Path dest = new Path(args[2]);
            FileSystem fs = dest.getFileSystem(conf);
            fs.mkdirs(dest.getParent() == null ? dest : dest.getParent());
            fs.copyFromLocalFile(false, true, new Path(local.getAbsoluteFile().toURI()), dest);
            System.out.println("copied " + local + " to " + fs.makeQualified(dest));
        } else {
            Path src = new Path(args[1]);
            FileSystem fs = src.getFileSystem(conf);
            if (!fs.exists(src)) {
                System.err.println("error: " + fs.makeQualified(src) + " does not exist");
                System.exit(2);
            }
            File local = new File(args[2]).getAbsoluteFile();
            // the raw local file system: no .crc files beside what is copied
            fs.copyToLocalFile(false, src, new Path(local.toURI()), true);
            System.out.println("copied " + fs.makeQualified(src) + " to " + local);
        }
    }
}
