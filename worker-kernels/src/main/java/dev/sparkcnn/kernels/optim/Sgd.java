package dev.sparkcnn.kernels.optim;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
 * with PyTorch's {@code torch.optim.SGD} semantics (dampening 0), per parameter:
 *
 * <pre>
 *   g   = grad + weightDecay * p
 *   buf = momentum * buf + g        (on the very first step buf = g, not momentum * 0 + g)
 *   g   = nesterov ? g + momentum * buf : buf
 *   p  -= lr * g
 * </pre>
 *
 * With momentum 0 there is no buffer and {@code p -= lr * g}. PyTorch starts the buffer as a
 * copy of the first gradient; with dampening 0 (all we support) that equals {@code momentum * 0 + g},
 * but the rule is written out because it is keyed on {@link #stepCount()} == 0, so restore the step
 * counter together with the buffer.
 *
 * <p>The arithmetic runs in double per element and is rounded to float when stored.
 * State: {@code [momentumBuffer]} when momentum &gt; 0, otherwise empty.
 */
public final class Sgd implements Optimizer {

    private final int size;
    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;
    private final float[] buf;
    private final float[][] state;
    private long steps;

    /** Plain SGD: no momentum, no weight decay. */
    public Sgd(int size) {
        this(size, 0f, false, 0f);
    }

    public Sgd(int size, float momentum, boolean nesterov, float weightDecay) {
        if (size < 0) {
            throw new IllegalArgumentException("SGD parameter count must be >= 0 but was " + size);
        }
        if (!(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1) but was " + momentum);
        }
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException("Nesterov SGD needs a momentum > 0 but momentum is 0; "
                    + "set a momentum (e.g. 0.9) or turn Nesterov off");
        }
        if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("SGD weight decay must be finite and >= 0 but was " + weightDecay);
        }
        this.size = size;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        this.buf = momentum > 0f ? new float[size] : null;
        this.state = buf != null ? new float[][] {buf} : new float[0][];
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        OptimizerChecks.checkStep(name(), size, params, grads, lr);
        final double mu = momentum, wd = weightDecay, rate = lr;
        if (buf == null) {
            for (int i = 0; i < size; i++) {
                double p = params[i];
                params[i] = (float) (p - rate * (grads[i] + wd * p));
            }
        } else {
            final boolean first = steps == 0;
            for (int i = 0; i < size; i++) {
                double p = params[i];
                double g = grads[i] + wd * p;
                double b = first ? g : mu * buf[i] + g;
                buf[i] = (float) b;
                // the stored (float) buffer is what the next step sees; the update uses it too,
                // so a restored buffer and an uninterrupted run agree bit for bit
                double bStored = buf[i];
                double d = nesterov ? g + mu * bStored : bStored;
                params[i] = (float) (p - rate * d);
            }
        }
        steps++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String name() {
        return nesterov ? "sgd-nesterov" : "sgd";
    }

    public float momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** {@code [momentumBuffer]} when momentum &gt; 0, otherwise no arrays. */
    @Override
    public float[][] state() {
        return state;
    }

    @Override
    public void setState(float[][] newState) {
        OptimizerChecks.copyState(name(), state, newState);
    }

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public void setStepCount(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0 but was " + steps);
        }
        this.steps = steps;
    }

    @Override
    public void reset() {
        if (buf != null) {
            java.util.Arrays.fill(buf, 0f);
        }
        steps = 0;
    }

    @Override
    public String toString() {
        return name() + "(momentum=" + momentum + ", weightDecay=" + weightDecay + ", params=" + size + ")";
    }
}
