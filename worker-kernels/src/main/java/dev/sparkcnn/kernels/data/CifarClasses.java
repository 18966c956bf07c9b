package dev.sparkcnn.kernels.data;

import java.util.List;

/** The CIFAR-10 class names, indexed by label (the order of the dataset's batches.meta). */
public final class CifarClasses {

    public static final List<String> NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private CifarClasses() {
    }

    /** The name of class {@code label} (0..9). */
    public static String name(int label) {
        if (label < 0 || label >= NAMES.size()) {
            throw new IllegalArgumentException("CIFAR-10 label " + label + " is not a class index in [0, "
                    + NAMES.size() + ")");
        }
        return NAMES.get(label);
    }

    /** The label of a class name (case-sensitive, as in NAMES), or -1 when there is no such class. */
    public static int labelOf(String name) {
        return NAMES.indexOf(name);
    }
}
