package dev.sparkcnn.kernels.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each schedule at the points where its formula is known exactly: starts, midpoints, boundaries, ends. */
class LrScheduleTest {

    private static final float EPS = 1e-7f;

    @Test
    void constantIsConstant() {
        LrSchedule s = LrSchedule.constant(0.1f);
        assertEquals(0.1f, s.lr(0));
        assertEquals(0.1f, s.lr(1_000_000));
    }

    @Test
    void cosineAtStartHalfEndAndBeyond() {
        LrSchedule s = LrSchedule.cosine(0.1f, 0.001f, 100);
        assertEquals(0.1f, s.lr(0), EPS);
        assertEquals((0.1f + 0.001f) / 2, s.lr(50), EPS);
        assertEquals(0.001f + (0.1f - 0.001f) * (1 + Math.cos(Math.PI / 4)) / 2, s.lr(25), EPS);
        assertEquals(0.001f, s.lr(100), EPS);
        assertEquals(0.001f, s.lr(5000), EPS);
        for (int t = 1; t <= 100; t++) {
            assertTrue(s.lr(t) <= s.lr(t - 1), "cosine must not increase, step " + t);
        }
    }

    @Test
    void stepDecayEveryNAtBoundaries() {
        LrSchedule s = LrSchedule.stepDecay(0.1f, 30, 0.1f);
        assertEquals(0.1f, s.lr(0), EPS);
        assertEquals(0.1f, s.lr(29), EPS);
        assertEquals(0.01f, s.lr(30), EPS);
        assertEquals(0.01f, s.lr(59), EPS);
        assertEquals(0.001f, s.lr(60), 1e-9f);
    }

    @Test
    void stepDecayAtMilestones() {
        LrSchedule s = StepDecayLr.atMilestones(0.2f, 0.5f, 10, 25);
        assertEquals(0.2f, s.lr(9), EPS);
        assertEquals(0.1f, s.lr(10), EPS);
        assertEquals(0.1f, s.lr(24), EPS);
        assertEquals(0.05f, s.lr(25), EPS);
        assertEquals(0.05f, s.lr(1000), EPS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepDecayLr.atMilestones(0.1f, 0.1f, 20, 10));
        assertTrue(e.getMessage().contains("[20, 10]"), e.getMessage());
    }

    @Test
    void warmupRampsLinearlyThenHandsOver() {
        LrSchedule s = LrSchedule.constant(0.1f).withWarmup(10, 0.1f);
        assertEquals(0.01f, s.lr(0), EPS);
        assertEquals(0.055f, s.lr(5), EPS);
        float delta = s.lr(1) - s.lr(0);
        for (int t = 1; t < 10; t++) {
            assertEquals(delta, s.lr(t) - s.lr(t - 1), 1e-6f, "equal increments, step " + t);
        }
        assertEquals(0.1f, s.lr(10), EPS);
        assertEquals(0.1f, s.lr(11), EPS);

        // in front of a cosine: the cosine starts at step W, at its own step 0
        LrSchedule c = LrSchedule.cosine(0.1f, 0f, 100).withWarmup(20, 0f);
        assertEquals(0f, c.lr(0), EPS);
        assertEquals(0.05f, c.lr(10), EPS);
        assertEquals(0.1f, c.lr(20), EPS);
        assertEquals(0.05f, c.lr(70), EPS);
        assertEquals(0f, c.lr(120), EPS);
    }

    @Test
    void namedSchedules() {
        assertEquals(0.1f, LrSchedule.named("constant", 0.1f, 100, 0).lr(99), EPS);
        LrSchedule cos = LrSchedule.named(" Cosine ", 0.1f, 110, 10);
        assertEquals(0.01f, cos.lr(0), EPS);
        assertEquals(0.1f, cos.lr(10), EPS);
        assertEquals(0f, cos.lr(110), EPS);
        LrSchedule step = LrSchedule.named("step", 0.1f, 100, 0);
        assertEquals(0.1f, step.lr(49), EPS);
        assertEquals(0.01f, step.lr(50), EPS);
        assertEquals(0.001f, step.lr(75), 1e-9f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.named("linear", 0.1f, 100, 0));
        assertTrue(e.getMessage().contains("'linear'") && e.getMessage().contains("cosine"), e.getMessage());
    }

    @Test
    void negativeStepIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.cosine(0.1f, 0f, 10).lr(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
