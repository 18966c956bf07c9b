package dev.sparkcnn.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hadoop cluster on this machine from Hadoop's own in-process mini clusters: HDFS (a NameNode and
 * a DataNode, {@link MiniDFSCluster}) and, optionally, YARN (a ResourceManager and N NodeManagers,
 * {@link MiniYARNCluster}) with its default file system on that HDFS. Every port is ephemeral and
 * bound to loopback; a client finds the cluster through the configuration directory
 * {@link #writeConfDir} writes ({@code HADOOP_CONF_DIR}), or through {@link #clientConf()}.
 *
 * <p>YARN containers are real child JVMs launched by the NodeManagers. The settings here keep a
 * small shared machine usable: modest NodeManagers, the largest container equal to one
 * NodeManager, no virtual-memory check (a JVM reserves far more address space than it uses), and
 * the disk-health check relaxed (a nearly full disk would otherwise mark every node unhealthy and
 * nothing would ever be scheduled). One queue, {@code default}, in the CapacityScheduler.
 *
 * <p>Used by {@code deploy/hadoop/start} (through {@link Main}) and by the tests, so users and CI run
 * against the same cluster.
 */
public final class LocalHadoopCluster implements AutoCloseable {

    /** What to start. */
    public record Settings(File workDir, int nodeManagers, int nodeMemoryMb, int nodeVcores, boolean yarn) {
        public Settings {
            if (nodeManagers < 1) throw new IllegalArgumentException("node managers: expected at least 1, got " + nodeManagers);
            if (nodeMemoryMb < 1024) throw new IllegalArgumentException("node memory: expected at least 1024 MB, got " + nodeMemoryMb);
            if (nodeVcores < 1) throw new IllegalArgumentException("node vcores: expected at least 1, got " + nodeVcores);
        }

        /** HDFS alone (tests of file systems need no YARN). */
        public static Settings hdfsOnly(File workDir) {
            return new Settings(workDir, 1, 1024, 1, false);
        }
    }

    /** The client-side keys written to the configuration directory, by file. */
    private static final List<String> YARN_CLIENT_KEYS = List.of(
            YarnConfiguration.RM_HOSTNAME, YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
            YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
            YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB,
            YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB);

    private final Settings settings;
    private final MiniDFSCluster hdfs;
    private final MiniYARNCluster yarn;
    private final Configuration conf;

    private LocalHadoopCluster(Settings settings, MiniDFSCluster hdfs, MiniYARNCluster yarn, Configuration conf) {
        this.settings = settings;
        this.hdfs = hdfs;
        this.yarn = yarn;
        this.conf = conf;
    }

    /**
     * Starts HDFS, then YARN on it, and waits until every NodeManager has registered. MiniYARNCluster
     * keeps its NodeManager directories in {@code target/<name>} under the process's working
     * directory (a Hadoop choice); {@code deploy/hadoop/start} runs in the cluster directory.
     */
    public static LocalHadoopCluster start(Settings s) throws IOException, InterruptedException {
        Files.createDirectories(s.workDir().toPath());
        Configuration conf = new Configuration();
        conf.set("dfs.replication", "1");
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", true);
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf, new File(s.workDir(), "hdfs"))
                .numDataNodes(1).format(true).nameNodePort(0).nameNodeHttpPort(0).build();
        hdfs.waitClusterUp();
        String defaultFs = hdfs.getFileSystem().getUri().toString();
        conf.set(FileSystem.FS_DEFAULT_NAME_KEY, defaultFs);
        if (!s.yarn()) return new LocalHadoopCluster(s, hdfs, null, conf);

        YarnConfiguration yconf = new YarnConfiguration(conf);
        yconf.set(YarnConfiguration.RM_SCHEDULER, "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler");
        yconf.set("yarn.scheduler.capacity.root.queues", "default");
        yconf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        yconf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        // one application may take the whole queue's AM share (the default 10% would hold back a second application)
        yconf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        yconf.setInt(YarnConfiguration.NM_PMEM_MB, s.nodeMemoryMb());
        yconf.setInt(YarnConfiguration.NM_VCORES, s.nodeVcores());
        yconf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        yconf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, s.nodeMemoryMb());
        yconf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, s.nodeVcores());
        yconf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // The CapacityScheduler places containers when a NodeManager heartbeats: every 1 s by default, which an
        // application pays two or three times before its executors run (AM, executors, a replacement). On one
        // machine a heartbeat costs nothing, so beat 5 times a second.
        yconf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 200);
        yconf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        yconf.setBoolean(YarnConfiguration.RM_SCHEDULER_INCLUDE_PORT_IN_NODE_NAME, true);
        // Containers start java as $JAVA_HOME/bin/java: give them this JVM's, whatever the caller's environment says.
        yconf.set(YarnConfiguration.NM_ADMIN_USER_ENV + ".JAVA_HOME", System.getProperty("java.home"));
        // SPARK_LOCAL_IP of this process (deploy/hadoop/start and the tests set 127.0.0.1) reaches containers that do
        // not set it, so Spark in a container binds to loopback like everything of this one-machine cluster.
        yconf.set(YarnConfiguration.NM_ENV_WHITELIST, YarnConfiguration.DEFAULT_NM_ENV_WHITELIST + ",SPARK_LOCAL_IP");
        yconf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        yconf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, false);
        yconf.setBoolean(YarnConfiguration.TIMELINE_SERVICE_ENABLED, false);
        MiniYARNCluster yarn = new MiniYARNCluster("yarn", s.nodeManagers(), 1, 1);
        yarn.init(yconf);
        yarn.start();
        boolean connected;
        try {
            connected = yarn.waitForNodeManagersToConnect(60_000);
        } catch (org.apache.hadoop.yarn.exceptions.YarnException e) {
            throw new IOException("cannot ask the ResourceManager for its NodeManagers: " + e.getMessage(), e);
        }
        if (!connected) {
            yarn.stop();
            hdfs.shutdown();
            throw new IOException("the " + s.nodeManagers() + " NodeManagers did not register with the ResourceManager within 60 s");
        }
        // The ports are bound during start(); the real addresses are in the cluster's configuration afterwards.
        Configuration live = yarn.getConfig();
        for (int i = 0; i < 600 && live.get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0"); i++) Thread.sleep(100);
        Configuration client = new Configuration(conf);
        for (String k : YARN_CLIENT_KEYS) {
            String v = live.get(k);
            if (v != null) client.set(k, v);
        }
        return new LocalHadoopCluster(s, hdfs, yarn, client);
    }

    /** The configuration a client needs: the default file system and, with YARN, the ResourceManager's addresses. */
    public Configuration clientConf() {
        return new Configuration(conf);
    }

    /** {@code hdfs://127.0.0.1:PORT}. */
    public String defaultFs() {
        return conf.get(FileSystem.FS_DEFAULT_NAME_KEY);
    }

    public FileSystem fileSystem() throws IOException {
        return hdfs.getFileSystem();
    }

    public MiniDFSCluster hdfs() {
        return hdfs;
    }

    /** Null for an HDFS-only cluster. */
    public MiniYARNCluster yarn() {
        return yarn;
    }

    public Settings settings() {
        return settings;
    }

    /** The client settings as Spark properties ({@code spark.hadoop.KEY}), for a SparkConf in this JVM. */
    public Map<String, String> sparkHadoopProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("spark.hadoop." + FileSystem.FS_DEFAULT_NAME_KEY, defaultFs());
        if (yarn != null) {
            for (String k : YARN_CLIENT_KEYS) {
                String v = conf.get(k);
                if (v != null) m.put("spark.hadoop." + k, v);
            }
        }
        return m;
    }

    /**
     * Writes core-site.xml, hdfs-site.xml and (with YARN) yarn-site.xml with the client settings into
     * {@code dir}: point {@code HADOOP_CONF_DIR} there. Each file is written completely and then
     * moved into place, so a client never reads half a file.
     */
    public File writeConfDir(File dir) throws IOException {
        Files.createDirectories(dir.toPath());
        Configuration core = new Configuration(false);
        core.set(FileSystem.FS_DEFAULT_NAME_KEY, defaultFs());
        write(core, new File(dir, "core-site.xml"));
        Configuration hdfsSite = new Configuration(false);
        hdfsSite.set("dfs.replication", "1");
        write(hdfsSite, new File(dir, "hdfs-site.xml"));
        if (yarn != null) {
            Configuration yarnSite = new Configuration(false);
            for (String k : YARN_CLIENT_KEYS) {
                String v = conf.get(k);
                if (v != null) yarnSite.set(k, v);
            }
            write(yarnSite, new File(dir, "yarn-site.xml"));
        }
        return dir;
    }

    private static void write(Configuration c, File file) throws IOException {
        File tmp = new File(file.getParentFile(), "." + file.getName() + ".tmp");
        try (OutputStream out = new FileOutputStream(tmp)) {
            c.writeXml(out);
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        if (yarn != null) yarn.stop();
        hdfs.shutdown(true);
    }

    @Override
    public String toString() {
        return "HDFS " + defaultFs() + (yarn == null ? "" : ", YARN ResourceManager " + conf.get(YarnConfiguration.RM_ADDRESS)
                + " with " + settings.nodeManagers() + " NodeManagers x " + settings.nodeMemoryMb() + " MB, "
                + settings.nodeVcores() + " vcores");
    }
}
