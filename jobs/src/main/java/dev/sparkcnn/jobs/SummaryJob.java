package dev.sparkcnn.jobs;

import dev.sparkcnn.kernels.net.Network;
import dev.sparkcnn.kernels.net.Summary;
import dev.sparkcnn.kernels.spec.ModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Prints a model spec's layer table without starting Spark. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layers, output shapes and parameter counts (no Spark).")
final class SummaryJob implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "a spec file or a shipped name: cifar-quick, lenet5, resnet20, cifar-fcn")
    String model;

    @Override
    public Integer call() {
        ModelSpec spec = ModelSpec.resolve(model);
        Network net = spec.build();
        System.out.print(Summary.of(net, model + " (" + spec.source() + ", loss " + spec.loss() + ")"));
        return 0;
    }
}
