package dev.sparkcnn.hadoop;

import java.io.File;
import java.util.concurrent.CountDownLatch;

/**
 * {@code deploy/hadoop/start}'s process: starts a {@link LocalHadoopCluster}, writes the client
 * configuration directory, prints one line saying where everything is, and runs until it is
 * terminated (SIGTERM stops YARN, its containers and HDFS in order).
 *
 * <pre>Main WORK_DIR CONF_DIR NODE_MANAGERS NODE_MEMORY_MB NODE_VCORES</pre>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: Main WORK_DIR CONF_DIR NODE_MANAGERS NODE_MEMORY_MB NODE_VCORES");
            System.exit(2);
        }
        LocalHadoopCluster.Settings s;
        try {
            s = new LocalHadoopCluster.Settings(new File(args[0]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), true);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LocalHadoopCluster cluster = LocalHadoopCluster.start(s);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping " + cluster);
            cluster.close();
            stopped.countDown();
        }, "local-hadoop-stop"));
        // the configuration directory appears only once everything is up: the start script waits for it
        File confDir = cluster.writeConfDir(new File(args[1]));
        System.out.println("local Hadoop cluster up: " + cluster + "; HADOOP_CONF_DIR=" + confDir.getAbsolutePath());
        stopped.await();
    }
}
