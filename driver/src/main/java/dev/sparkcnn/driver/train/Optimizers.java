package dev.sparkcnn.driver.train;

import dev.sparkcnn.kernels.optim.Adam;
import dev.sparkcnn.kernels.optim.ConstantLr;
import dev.sparkcnn.kernels.optim.CosineLr;
import dev.sparkcnn.kernels.optim.LrSchedule;
import dev.sparkcnn.kernels.optim.Optimizer;
import dev.sparkcnn.kernels.optim.Sgd;
import dev.sparkcnn.kernels.optim.StepDecayLr;
import dev.sparkcnn.kernels.optim.WarmupLr;

/** Builds the optimizer and learning-rate schedule a {@link TrainConfig} describes. */
public final class Optimizers {

    private Optimizers() {
    }

    public static Optimizer create(TrainConfig c, int size) {
        switch (c.get("optimizer")) {
            case "adam":
                return new Adam(size, c.getFloat("adam.beta1"), c.getFloat("adam.beta2"), c.getFloat("adam.eps"),
                        c.getFloat("weight.decay"), false);
            case "adamw":
                return new Adam(size, c.getFloat("adam.beta1"), c.getFloat("adam.beta2"), c.getFloat("adam.eps"),
                        c.getFloat("weight.decay"), true);
            default:
                return new Sgd(size, c.getFloat("momentum"), c.getBoolean("nesterov"), c.getFloat("weight.decay"));
        }
    }

    /** The schedule over optimizer steps, given the steps of one epoch. */
    public static LrSchedule schedule(TrainConfig c, int stepsPerEpoch) {
        float lr = c.getFloat("lr");
        // the schedule spans the configured epochs; max.steps only stops early (like an interruption)
        long total = (long) stepsPerEpoch * c.epochs();
        long warmup = Math.round(c.getDouble("warmup.epochs") * stepsPerEpoch);
        LrSchedule s;
        switch (c.get("schedule")) {
            case "step":
                s = StepDecayLr.every(lr, (long) c.getInt("schedule.step.epochs") * stepsPerEpoch, c.getFloat("schedule.gamma"));
                break;
            case "cosine":
                // the warm-up hands over to the schedule's step 0, so the cosine spans the remaining steps
                s = new CosineLr(lr, c.getFloat("lr.min"), Math.max(1, total - warmup));
                break;
            default:
                s = new ConstantLr(lr);
        }
        return warmup > 0 ? new WarmupLr(s, warmup, 0.1f) : s;
    }
}
