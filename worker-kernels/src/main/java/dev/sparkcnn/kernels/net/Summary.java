package dev.sparkcnn.kernels.net;

import dev.sparkcnn.kernels.layers.Layer;

import java.util.Locale;

/**
 * A torchsummary-like table of a network: one row per layer with its output shape and parameter
 * count, then the totals and the memory one training sample needs.
 *
 * <pre>
 *   #   layer          configuration                 output        params
 *   0   conv2d         32 filters 5x5 pad 2          32x32x32      2,432
 *   ...
 *   total parameters: 145,578 (568.7 KiB as float32)
 * </pre>
 */
public final class Summary {

    private Summary() {
    }

    public static String of(Network net, String title) {
        StringBuilder b = new StringBuilder();
        if (title != null) b.append(title).append('\n');
        String fmt = "%-4s %-14s %-34s %-12s %12s%n";
        String header = String.format(Locale.ROOT, fmt, "#", "layer", "configuration", "output", "params");
        b.append(header);
        b.append("-".repeat(header.length() - 1)).append('\n');
        b.append(String.format(Locale.ROOT, fmt, "", "input", "", net.inputShape(), ""));
        long activations = net.inputShape().size();
        for (Layer l : net.layers()) {
            b.append(String.format(Locale.ROOT, fmt, l.index(), l.kind(), l.describe(), l.outputShape(),
                    String.format(Locale.ROOT, "%,d", l.paramCount())));
            activations += l.outputShape().size();
        }
        b.append("-".repeat(header.length() - 1)).append('\n');
        b.append(String.format(Locale.ROOT, "total parameters: %,d (%.1f KiB as float32)%n",
                net.paramCount(), net.paramCount() * 4 / 1024.0));
        if (net.stateCount() > 0) {
            b.append(String.format(Locale.ROOT, "non-trained state (running statistics): %,d%n", net.stateCount()));
        }
        b.append(String.format(Locale.ROOT, "activations per sample: %,d floats (%.1f KiB); forward %.1f MFLOP per sample%n",
                activations, activations * 4 / 1024.0, net.forwardFlops() / 1e6));
        return b.toString();
    }
}
