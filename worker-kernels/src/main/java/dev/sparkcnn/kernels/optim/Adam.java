package dev.sparkcnn.kernels.optim;

/**
 * Adam (Kingma and Ba) and, with {@code decoupled}, AdamW (Loshchilov and Hutter), with
 * PyTorch's semantics. Per parameter, at step t = stepCount() + 1:
 *
 * <pre>
 *   Adam:   g = grad + weightDecay * p           (L2 penalty folded into the gradient)
 *   AdamW:  g = grad;  p -= lr * weightDecay * p (decay applied to the weights, outside the moments)
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g^2
 *   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * The bias corrections need the step number, which is why {@link #stepCount()} is part of the
 * checkpointed state. Arithmetic runs in double per element; m, v and p are stored as float.
 * State: {@code [m, v]}, the first and second moment estimates.
 */
public final class Adam extends ArrayStateOptimizer {

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final float[] m;
    private final float[] v;

    /** Adam with the usual defaults: beta1 0.9, beta2 0.999, eps 1e-8, no weight decay. */
    public Adam(int size) {
        this(size, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /** AdamW with the usual betas and eps and the given decoupled weight decay (PyTorch's default is 0.01). */
    public static Adam adamW(int size, float weightDecay) {
        return new Adam(size, 0.9f, 0.999f, 1e-8f, weightDecay, true);
    }

    public Adam(int size, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super("Adam", size, 2);
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1) but were beta1=" + beta1
                    + " beta2=" + beta2);
        }
        if (!(eps > 0f) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("Adam eps must be finite and > 0 but was " + eps);
        }
        if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Adam weight decay must be finite and >= 0 but was " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = array(0);
        this.v = array(1);
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        OptimizerChecks.checkStep(name(), size, params, grads, lr);
        final double b1 = beta1, b2 = beta2, e = eps, rate = lr;
        final long t = steps + 1;
        final double bc1 = 1.0 - Math.pow(b1, t);
        final double bc2 = 1.0 - Math.pow(b2, t);
        final double stepSize = rate / bc1;
        final double sqrtBc2 = Math.sqrt(bc2);
        final double coupledDecay = decoupled ? 0.0 : weightDecay;
        final double shrink = decoupled ? 1.0 - rate * weightDecay : 1.0;
        for (int i = 0; i < size; i++) {
            double p = params[i];
            double g = grads[i] + coupledDecay * p;
            p *= shrink;
            double mi = b1 * m[i] + (1.0 - b1) * g;
            double vi = b2 * v[i] + (1.0 - b2) * g * g;
            m[i] = (float) mi;
            v[i] = (float) vi;
            // the update reads the stored float moments so that a restored run continues bit for bit
            double mf = m[i], vf = v[i];
            params[i] = (float) (p - stepSize * mf / (Math.sqrt(vf) / sqrtBc2 + e));
        }
        steps++;
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    public float beta1() {
        return beta1;
    }

    public float beta2() {
        return beta2;
    }

    public float eps() {
        return eps;
    }

    public float weightDecay() {
        return weightDecay;
    }

    public boolean decoupled() {
        return decoupled;
    }

    @Override
    public String toString() {
        return name() + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps
                + ", weightDecay=" + weightDecay + ", params=" + size + ")";
    }
}
