package dev.sparkcnn.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The application's entry point for spark-submit: {@code cnn <train|evaluate|predict|export|summary|sweep> [flags]}.
 * Exit code 0 on success, 1 when the job fails (the message says why), 2 for bad flags.
 */
@Command(name = "cnn", mixinStandardHelpOptions = true, version = "spark-cnn 0.1.0",
        description = "Data-parallel CNN training on Apache Spark.",
        subcommands = {TrainJob.class, EvaluateJob.class, PredictJob.class, ExportJob.class, SummaryJob.class, SweepJob.class})
public final class Cnn implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing job: train, evaluate, predict, export, summary or sweep");
    }

    public static void main(String[] args) {
        int code = execute(args);
        if (!"cluster".equals(System.getProperty("spark.submit.deployMode"))) System.exit(code);
        // In YARN cluster mode this main runs inside the ApplicationMaster, which reports any System.exit as a
        // failure ("Shutdown hook called before final status was reported"): return to succeed, throw to fail.
        if (code != 0) throw new IllegalStateException("spark-cnn " + (args.length > 0 ? args[0] : "") + " failed with exit code "
                + code + "; the driver's messages above (in the ApplicationMaster's log) say why");
    }

    /** Runs a job and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Cnn());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + message(e));
            if (Boolean.getBoolean("sparkcnn.stacktrace")) e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }
}
