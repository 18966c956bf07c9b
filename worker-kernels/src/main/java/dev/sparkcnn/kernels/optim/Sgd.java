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
public final class Sgd extends ArrayStateOptimizer {

    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;
    private final float[] buf;

    /** Plain SGD: no momentum, no weight decay. */
    public Sgd(int size) {
        this(size, 0f, false, 0f);
    }

    public Sgd(int size, float momentum, boolean nesterov, float weightDecay) {
        super("SGD", size, momentum > 0f ? 1 : 0);
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
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        this.buf = momentum > 0f ? array(0) : null;
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

    @Override
    public String toString() {
        return name() + "(momentum=" + momentum + ", weightDecay=" + weightDecay + ", params=" + size + ")";
    }
}
