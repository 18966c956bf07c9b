package dev.sparkcnn.jobs;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Flags every Spark job shares. */
final class SparkOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: what spark-submit set, else local[*])")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "a Spark setting (repeatable)")
    List<String> conf = new ArrayList<>();
}
