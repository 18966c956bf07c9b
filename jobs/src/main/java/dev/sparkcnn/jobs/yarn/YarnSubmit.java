package dev.sparkcnn.jobs.yarn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkSubmit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * {@code deploy/cnn --master yarn} without a Spark distribution: takes the spark-submit command line
 * deploy/cnn built, checks what can be checked before submitting ({@link YarnPreflight}), makes sure
 * Spark's jars are on the cluster once ({@link SparkJarsArchive}, passed as {@code spark.yarn.archive})
 * and hands everything to Spark's own {@link SparkSubmit} in this JVM. Spark's YARN client does the
 * rest: it ships the application jar and the Hadoop configuration, and puts Spark's module options
 * (which include the Vector API) on the ApplicationMaster's and every executor's command line.
 *
 * <p>System property {@code sparkcnn.spark.classpath}: a file listing Spark's jars, colon-separated
 * (the provided-scope class path Maven writes). Exit code 2 with a message for a missing Hadoop
 * configuration, an unknown queue, or containers larger than the cluster allows.
 */
public final class YarnSubmit {

    /** spark-submit options that take no value. */
    private static final Set<String> FLAGS = Set.of("--verbose", "-v", "--supervise", "--version", "--help", "-h");

    private YarnSubmit() {
    }

    public static void main(String[] args) {
        String[] submit;
        try {
            submit = prepare(args, System.getenv(), System.out);
        } catch (YarnPreflight.Refused e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException | RuntimeException e) {
            System.err.println("error: cannot prepare the YARN submission: " + e.getMessage());
            System.exit(1);
            return;
        }
        SparkSubmit.main(submit);
    }

    /** The message for a missing Hadoop configuration (also printed by deploy/cnn before anything is built). */
    public static String missingConfiguration(Map<String, String> env) {
        for (String v : List.of("HADOOP_CONF_DIR", "YARN_CONF_DIR")) {
            String dir = env.get(v);
            if (dir == null || dir.isBlank()) continue;
            if (!new File(dir, "yarn-site.xml").isFile() && !new File(dir, "core-site.xml").isFile()) {
                return "--master yarn: " + v + "=" + dir + " holds no yarn-site.xml or core-site.xml; point it at the "
                        + "cluster's Hadoop client configuration";
            }
            return null;
        }
        return "--master yarn needs the cluster's Hadoop client configuration: set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the "
                + "directory with its core-site.xml and yarn-site.xml (for the local cluster, deploy/hadoop/start prints it)";
    }

    /** The spark-submit arguments to run: {@code args} plus {@code spark.yarn.archive}, after the checks. */
    public static String[] prepare(String[] args, Map<String, String> env, PrintStream log) throws IOException {
        String missing = missingConfiguration(env);
        if (missing != null) throw new YarnPreflight.Refused(missing);
        Configuration hadoop = hadoopConfiguration(env);
        SparkConf spark = resolve(args);
        if (spark.contains("spark.kerberos.principal") && spark.contains("spark.kerberos.keytab")) {
            // a kerberized cluster: log in as spark-submit will, so the checks and the upload below are authenticated too
            UserGroupInformation.setConfiguration(hadoop);
            UserGroupInformation.loginUserFromKeytab(spark.get("spark.kerberos.principal"), spark.get("spark.kerberos.keytab"));
        }
        YarnPreflight.check(spark, hadoop);
        List<String> out = new ArrayList<>(Arrays.asList(args));
        if (!spark.contains("spark.yarn.archive") && !spark.contains("spark.yarn.jars")) {
            String list = System.getProperty("sparkcnn.spark.classpath");
            if (list == null) throw new IllegalStateException("system property sparkcnn.spark.classpath (Spark's jars) is not set");
            List<Path> jars = new ArrayList<>();
            for (String j : Files.readString(Path.of(list), StandardCharsets.UTF_8).trim().split(File.pathSeparator)) {
                if (j.endsWith(".jar")) jars.add(Path.of(j));
            }
            out.addAll(0, List.of("--conf", "spark.yarn.archive=" + SparkJarsArchive.ensure(jars, hadoop, log)));
        }
        return out.toArray(new String[0]);
    }

    /** The client configuration of HADOOP_CONF_DIR and YARN_CONF_DIR, read from the directories themselves. */
    static Configuration hadoopConfiguration(Map<String, String> env) {
        Configuration conf = new Configuration();
        for (String v : List.of("HADOOP_CONF_DIR", "YARN_CONF_DIR")) {
            String dir = env.get(v);
            if (dir == null) continue;
            for (String f : List.of("core-site.xml", "hdfs-site.xml", "yarn-site.xml")) {
                File file = new File(dir, f);
                if (file.isFile()) conf.addResource(new org.apache.hadoop.fs.Path(file.toURI()));
            }
        }
        return conf;
    }

    /** The settings spark-submit will apply, from its command line: properties file, then flags and --conf. */
    static SparkConf resolve(String[] args) throws IOException {
        SparkConf conf = new SparkConf(false);
        List<String[]> later = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) break;   // the application jar: what follows is the application's
            if (FLAGS.contains(a)) continue;
            String v = i + 1 < args.length ? args[++i] : "";
            switch (a) {
                case "--properties-file" -> {
                    Properties p = new Properties();
                    try (InputStream in = Files.newInputStream(Path.of(v))) {
                        p.load(in);
                    }
                    for (String k : p.stringPropertyNames()) conf.setIfMissing(k, p.getProperty(k).trim());
                }
                case "--conf", "-c" -> {
                    int eq = v.indexOf('=');
                    if (eq > 0) later.add(new String[] {v.substring(0, eq), v.substring(eq + 1)});
                }
                case "--queue" -> later.add(new String[] {"spark.yarn.queue", v});
                case "--executor-memory" -> later.add(new String[] {"spark.executor.memory", v});
                case "--executor-cores" -> later.add(new String[] {"spark.executor.cores", v});
                case "--num-executors" -> later.add(new String[] {"spark.executor.instances", v});
                case "--driver-memory" -> later.add(new String[] {"spark.driver.memory", v});
                case "--driver-cores" -> later.add(new String[] {"spark.driver.cores", v});
                case "--deploy-mode" -> later.add(new String[] {"spark.submit.deployMode", v});
                case "--principal" -> later.add(new String[] {"spark.kerberos.principal", v});
                case "--keytab" -> later.add(new String[] {"spark.kerberos.keytab", v});
                default -> {
                }
            }
        }
        for (String[] kv : later) conf.set(kv[0], kv[1]);
        return conf;
    }
}
