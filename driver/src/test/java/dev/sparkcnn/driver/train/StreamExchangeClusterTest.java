package dev.sparkcnn.driver.train;

import dev.sparkcnn.driver.SparkSetup;
import dev.sparkcnn.driver.SparkTestContext;
import dev.sparkcnn.kernels.spec.ModelSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rpc.RpcAddress;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming exchange across JVMs (local-cluster: two executor processes, one task slot each),
 * where Spark's RPC security really applies: with spark.authenticate, and with
 * spark.network.crypto.enabled, a run trains bitwise the parameters of a run without them; a
 * client without the secret, or with another one, cannot reach the exchange while the run trains;
 * and no job group, description or property of the run shows the secret.
 */
class StreamExchangeClusterTest {

    private static final String SECRET = "s3cret-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    private static float[] plain;

    private static TrainConfig config() {
        // 100 images, batch 20: 5 steps per epoch, 2 epochs (two barrier jobs)
        return TrainConfig.builder()
                .set("model", TrainingFixture.BN_DROPOUT).set("batch.size", 20).set("epochs", 2)
                .set("lr", 0.02).set("seed", 3).set("data.shards", 8).set("augment", true).set("eval.every", 0)
                .set("exchange", "auto").set("exchange.timeout", 60).build();
    }

    /** What a run showed and refused. */
    record Run(float[] params, List<String> shown, List<String> intruders) {
    }

    /** A run on local-cluster[2,1,1024] with {@code settings}; {@code intruders} try to reach the exchange while it trains. */
    private static Run run(Map<String, String> settings, List<SparkConf> intruders) throws Exception {
        Path home = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(home.resolve("jars"));
        SparkConf conf = SparkSetup.configure(new SparkConf()
                .setMaster("local-cluster[2,1,1024]").setAppName("spark-cnn-exchange-cluster-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1"));
        settings.forEach(conf::set);
        JavaSparkContext jsc = new JavaSparkContext(conf);
        jsc.setLogLevel("WARN");
        StreamExchangeTest.JobWatcher watcher = new StreamExchangeTest.JobWatcher();
        jsc.sc().addSparkListener(watcher);
        List<String> outcomes = new ArrayList<>();
        try {
            TrainConfig cfg = config();
            ModelSpec spec = TrainingFixture.spec(cfg.model());
            try (SparkGradientSource src = new SparkGradientSource(jsc, TrainingFixture.train(), null, cfg, spec.text(), 2)) {
                assertEquals("stream", src.exchange().exchange(), src.exchange().toString());
                Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
                CompletableFuture<Void> training = CompletableFuture.runAsync(t::run);
                while (src.exchangeEndpoint() == null && !training.isDone()) Thread.sleep(5);
                RpcAddress driver = jsc.sc().env().rpcEnv().address();
                for (SparkConf c : intruders) outcomes.add(intrude(c, driver, src.exchangeEndpoint()));
                training.get(300, TimeUnit.SECONDS);
                jsc.sc().listenerBus().waitUntilEmpty();
                float[] p = t.params(), s = t.state();
                float[] all = Arrays.copyOf(p, p.length + s.length);
                System.arraycopy(s, 0, all, p.length, s.length);
                return new Run(all, new ArrayList<>(watcher.shown), outcomes);
            }
        } finally {
            jsc.stop();
        }
    }

    /** A client with {@code conf}'s security settings asks the exchange to let it join; returns what happened. */
    private static String intrude(SparkConf conf, RpcAddress driver, String endpoint) {
        RpcEnv client = RpcEnv.create("intruder", "127.0.0.1", 0, conf, new org.apache.spark.SecurityManager(conf, scala.Option.empty(),
                org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE()), true);
        try {
            client.setupEndpointRef(driver, endpoint)
                    .askSync(StreamExchange.join(1, 0, 0, 0, 0), new org.apache.spark.rpc.RpcTimeout(
                            scala.concurrent.duration.FiniteDuration.apply(20, TimeUnit.SECONDS), "test"), scala.reflect.ClassTag$.MODULE$.Any());
            return "answered";
        } catch (Exception e) {
            Throwable c = e;
            while (c.getCause() != null) c = c.getCause();
            return "failed: " + c;
        } finally {
            client.shutdown();
        }
    }

    @BeforeAll
    static void plainRun() {
        // the same 2 partitions without any security, in the shared local context (bitwise the same on any master)
        TrainConfig cfg = config();
        ModelSpec spec = TrainingFixture.spec(cfg.model());
        try (SparkGradientSource src = new SparkGradientSource(SparkTestContext.get(), TrainingFixture.train(), null, cfg, spec.text(), 2)) {
            Trainer t = new Trainer(cfg, spec, src, src.normalization(), null, null, null);
            t.run();
            float[] p = t.params(), s = t.state();
            plain = Arrays.copyOf(p, p.length + s.length);
            System.arraycopy(s, 0, plain, p.length, s.length);
        }
        SparkTestContext.stop();   // one SparkContext per JVM: the runs below start their own; the next class gets a new shared one
    }

    @Test
    void withSparkAuthenticationTheRunIsBitwiseTheSameAndOutsidersCannotJoin() throws Exception {
        SparkConf none = new SparkConf(false);
        SparkConf wrong = new SparkConf(false).set("spark.authenticate", "true").set("spark.authenticate.secret", "not-the-secret");
        Run r = run(Map.of("spark.authenticate", "true", "spark.authenticate.secret", SECRET), List.of(none, wrong));
        System.out.println("intruders: " + r.intruders());
        assertArrayEquals(plain, r.params(), "spark.authenticate changes nothing in what is computed");
        assertEquals(2, r.intruders().size());
        for (String o : r.intruders()) assertTrue(o.startsWith("failed"), r.intruders().toString());
        assertFalse(r.shown().isEmpty(), "the listener saw the run's jobs");
        for (String s : r.shown()) assertFalse(s.contains(SECRET), "the secret shows in a job's property: " + s);
    }

    @Test
    void withSparkNetworkEncryptionTheRunIsBitwiseTheSame() throws Exception {
        Run r = run(Map.of("spark.authenticate", "true", "spark.authenticate.secret", SECRET, "spark.network.crypto.enabled", "true"),
                List.of());
        assertArrayEquals(plain, r.params(), "spark.network.crypto.enabled changes nothing in what is computed");
    }
}
