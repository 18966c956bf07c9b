package dev.sparkcnn.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.File;

/**
 * {@code deploy/hadoop/put LOCAL DEST}: copies a local file or directory to the cluster of
 * {@code HADOOP_CONF_DIR} (DEST relative to the user's home directory there), like
 * {@code hdfs dfs -put -f} for a machine without a Hadoop distribution.
 */
public final class Put {

    private Put() {
    }

    public static void main(String[] args) throws Exception {
        String confDir = System.getenv("HADOOP_CONF_DIR");
        if (args.length != 2 || confDir == null) {
            System.err.println("usage: HADOOP_CONF_DIR=... Put LOCAL DEST");
            System.exit(2);
        }
        Configuration conf = new Configuration();
        for (String f : new String[] {"core-site.xml", "hdfs-site.xml"}) {
            File file = new File(confDir, f);
            if (file.isFile()) conf.addResource(new Path(file.toURI()));
        }
        File local = new File(args[0]);
        if (!local.exists()) {
            System.err.println("error: " + local + " does not exist");
            System.exit(2);
        }
        Path dest = new Path(args[1]);
        FileSystem fs = dest.getFileSystem(conf);
        fs.mkdirs(dest.getParent() == null ? dest : dest.getParent());
        fs.copyFromLocalFile(false, true, new Path(local.getAbsoluteFile().toURI()), dest);
        System.out.println("copied " + local + " to " + fs.makeQualified(dest));
    }
}
