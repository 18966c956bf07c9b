package dev.sparkcnn.jobs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/lib/quiet-jvm, through which deploy/cnn starts every JVM: it drops exactly the JVM's
 * incubator-module line from standard error and passes everything else (other lines in order, stdout,
 * stdin, exit code, TERM) through.
 */
class QuietJvmScriptTest {

    static final Path SCRIPT = Path.of("..", "deploy", "lib", "quiet-jvm");
    static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    /** {exit code, stdout, stderr} of the script running {@code command}, with {@code stdin} as input. */
    static String[] run(String stdin, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(command));
        return collect(new ProcessBuilder(cmd).start(), stdin);
    }

    static String[] collect(Process p, String stdin) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)};
    }

    @Test
    void dropsExactlyTheIncubatorLineAndKeepsEverythingElse() throws Exception {
        String[] r = run("", "bash", "-c", String.join("; ",
                "echo '" + WARNING + "' >&2",
                "echo out1",
                "echo 'WARNING: something real' >&2",
                "echo '" + WARNING + ", and more' >&2",   // not the exact line: kept
                "echo ' " + WARNING + "' >&2",
                "echo out2",
                "echo 'error: the last line' >&2",
                "exit 3"));
        assertEquals("3", r[0], "the command's exit code");
        assertEquals("out1\nout2\n", r[1]);
        assertEquals("WARNING: something real\n" + WARNING + ", and more\n " + WARNING + "\nerror: the last line\n", r[2]);
    }

    @Test
    void theJvmPrintsThatLineAndTheScriptDropsIt() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String[] direct = collect(new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-version").start(), "");
        assertTrue(direct[2].startsWith(WARNING + "\n"), "the JVM's own first line: " + direct[2]);
        String[] quiet = run("", java, "--add-modules", "jdk.incubator.vector", "-version");
        assertEquals("0", quiet[0]);
        assertFalse(quiet[2].contains("incubator"), quiet[2]);
        assertEquals(direct[2].substring(WARNING.length() + 1), quiet[2], "the rest of the JVM's stderr, unchanged");
    }

    @Test
    void standardInputReachesTheCommand() throws Exception {
        String[] r = run("hello\n", "bash", "-c", "read line; echo \"got $line\"");
        assertEquals("0", r[0]);
        assertEquals("got hello\n", r[1]);
    }

    @Test
    void termSentToTheScriptReachesTheCommand() throws Exception {
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), "bash", "-c",
                "trap 'echo got TERM >&2; exit 143' TERM; echo started; while true; do sleep 0.1; done").start();
        byte[] started = p.getInputStream().readNBytes("started\n".length());
        assertEquals("started\n", new String(started, StandardCharsets.UTF_8));
        p.toHandle().destroy();   // SIGTERM to the script (Process.destroy would also close our end of its pipes)
        String[] r = collect(p, "");
        assertEquals("143", r[0]);
        assertEquals("got TERM\n", r[2]);
    }

    @Test
    void deployCnnStartsEveryJvmThroughIt() throws IOException {
        String cnn = Files.readString(Path.of("..", "deploy", "cnn"));
        assertEquals(2, cnn.split("exec \"\\$ROOT/deploy/lib/quiet-jvm\" ", -1).length - 1,
                "both the spark-submit and the java launch go through quiet-jvm");
        assertEquals(2, cnn.split("\nexec |\n  exec ", -1).length - 1, "and there are no other launches");
    }
}
