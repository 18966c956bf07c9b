package dev.sparkcnn.jobs.sweep;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep file: refused lines name file, line, key and reason; the trial list is a function of the file. */
class SweepFileTest {

    private static final String GOOD = String.join("\n",
            "# a comment",
            "search = random",
            "trials = 6",
            "seed = 3",
            "epochs = 4",
            "set.model = lenet5",
            "space.lr = loguniform(1e-3, 1e-1)   # trailing comment",
            "space.momentum = uniform(0.8, 0.95)",
            "space.batch.size = choice(64, 128)",
            "space.weight.decay = 0, 5e-4",
            "");

    private static SweepFile parse(String text) {
        return SweepFile.parse(text, "bad.sweep", null);
    }

    private static void refused(String text, String... expected) {
        SweepException e = assertThrows(SweepException.class, () -> parse(text));
        for (String s : expected) assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
    }

    @Test
    void badLinesAreRefusedWithFileLineKeyAndReason() {
        refused("trials = 2\nfrobnicate = 1\nspace.lr = 0.1\n", "bad.sweep:2", "frobnicate", "unknown sweep key");
        refused("trials = 2\n\nspace.learning.rate = uniform(0, 1)\n", "bad.sweep:3", "space.learning.rate", "not a training config key");
        refused("trials = 2\nspace.lr = loguniform(0, 1)\n", "bad.sweep:2", "space.lr", "0 < low");
        refused("trials = 2\nspace.lr = uniform(0.1)\n", "bad.sweep:2", "space.lr", "two numbers");
        refused("trials = 2\nspace.lr = normal(0, 1)\n", "bad.sweep:2", "unknown distribution 'normal'");
        refused("trials = 2\nspace.lr = 0.1\nspace.lr = 0.2\n", "bad.sweep:3", "space.lr", "set twice");
        refused("trials = 2\nthis is not a setting\n", "bad.sweep:2", "expected 'key = value'");
        refused("trials = 0\nspace.lr = 0.1\n", "bad.sweep:1", "trials", "positive integer");
        refused("trials = 2\nvalidation.fraction = 1.5\nspace.lr = 0.1\n", "bad.sweep:2", "validation.fraction", "between 0 and 1");
        refused("trials = 2\nspace.exchange = stream, job\n", "bad.sweep:2", "space.exchange", "exchange = job");
        refused("trials = 2\nspace.epochs = 1, 2\n", "bad.sweep:2", "space.epochs");
        refused("trials = 2\nbase = no/such.conf\nspace.lr = 0.1\n", "bad.sweep:2", "base", "does not exist");
        refused("trials = 2\ntrials.placement = gpu\nspace.lr = 0.1\n", "bad.sweep:2", "trials.placement", "[auto, task, cluster]", "'gpu'");
        refused("trials = 2\n", "bad.sweep", "no search space");
        refused("space.lr = 0.1\n", "bad.sweep", "trials", "random search needs a budget");
        // every drawn value is validated by building the trial's training config
        refused("trials = 3\nspace.batch.size = uniform(16, 64)\n", "bad.sweep:2", "space.batch.size", "batch.size", "not an integer");
        refused("trials = 3\nspace.momentum = choice(0.9, 1.5)\nsearch = grid\n", "bad.sweep:2", "space.momentum", "[0, 1)");
        refused("trials = 3\nspace.model = choice(lenet5, no-such-model)\n", "bad.sweep:2", "space.model", "no-such-model");
    }

    @Test
    void randomTrialsAreADeterministicFunctionOfTheFile() {
        SweepFile a = parse(GOOD), b = parse(GOOD);
        assertEquals(6, a.trials().size());
        assertEquals(a.plan(100), b.plan(100));
        assertEquals("auto", a.placement());
        assertEquals("task", parse(GOOD + "trials.placement = task\n").placement());
        assertEquals(a.plan(100), parse(GOOD + "trials.placement = cluster\ntrials.parallel = 3\n").plan(100),
                "where and how many at once do not change the trials");
        for (Trial t : a.trials()) {
            double lr = Double.parseDouble(t.values().get("lr"));
            assertTrue(lr >= 1e-3 && lr <= 0.1, "lr " + lr);
            double m = t.config().getDouble("momentum");
            assertTrue(m >= 0.8 && m <= 0.95, "momentum " + m);
            assertTrue(Set.of("64", "128").contains(t.config().get("batch.size")));
            assertTrue(Set.of("0", "5e-4").contains(t.config().get("weight.decay")));
            assertEquals("lenet5", t.config().model());
            assertEquals("4", t.config().get("epochs"));
            assertEquals("1", t.config().get("eval.every"));
            assertEquals("job", t.config().get("exchange"));
            assertEquals(List.of("lr", "momentum", "batch.size", "weight.decay"), List.copyOf(t.values().keySet()));
        }
        assertTrue(!parse(GOOD.replace("seed = 3", "seed = 4")).plan(100).equals(a.plan(100)), "another seed, other trials");
        assertTrue(!a.plan(100).equals(a.plan(200)), "the data size is part of the plan");
    }

    @Test
    void gridEnumeratesTheProductOrASeededSubset() {
        String grid = "search = grid\nspace.lr = loguniform(0.01, 1)\nspace.model = choice(lenet5, cifar-quick)\n";
        SweepFile all = parse(grid);
        assertEquals(6, all.trials().size());
        assertEquals(Map.of("lr", "0.01", "model", "lenet5"), all.trials().get(0).values());
        assertEquals(Map.of("lr", "0.1", "model", "cifar-quick"), all.trials().get(3).values());
        assertEquals(Map.of("lr", "1", "model", "cifar-quick"), all.trials().get(5).values());
        SweepFile some = parse(grid + "trials = 4\n");
        assertEquals(4, some.trials().size());
        Set<String> names = new TreeSet<>();
        for (Trial t : some.trials()) names.add(t.describe());
        assertEquals(4, names.size(), "distinct grid points");
        assertEquals(some.plan(1), parse(grid + "trials = 4\n").plan(1));
        assertEquals(6, parse(grid + "trials = 40\n").trials().size(), "the grid size if smaller than the budget");
    }

    @Test
    void shippedSweepFilesAreValid() {
        SweepFile lr = SweepFile.load(Path.of("../conf/sweeps/cifar-quick-lr.sweep"));
        assertEquals(8, lr.trials().size());
        assertTrue(lr.notes().stream().anyMatch(n -> n.contains("exchange")), "stream exchange is replaced by job");
        SweepFile arch = SweepFile.load(Path.of("../conf/sweeps/architectures.sweep"));
        assertEquals(9, arch.trials().size());
        Set<String> models = new TreeSet<>();
        for (Trial t : arch.trials()) models.add(t.config().model());
        assertEquals(Set.of("cifar-quick", "lenet5", "cifar-fcn"), models);
    }

    @Test
    void searchDimensionFormatsAndEnumerates() {
        assertEquals("0.0123", SearchDimension.format(0.012345));
        assertEquals("0.9", SearchDimension.format(0.9));
        assertEquals("1.5e-05", SearchDimension.format(1.5e-5));
        assertEquals(List.of("0.01", "0.1", "1"), SearchDimension.parse("lr", "loguniform(0.01, 1)").gridValues(3));
        assertEquals(List.of("2", "3", "4"), SearchDimension.parse("n", "randint(2, 4)").gridValues(3));
        assertTrue(SearchDimension.parse("lr", "loguniform(0.01, 1)").logScale());
        assertTrue(!SearchDimension.parse("model", "choice(lenet5, cifar-quick)").numeric());
    }

    @Test
    void autoPlacementPutsTrialsInTasksWhenTheyFillTheCores() {
        assertEquals("task", Sweep.autoPlacement(2, 8));
        assertEquals("task", Sweep.autoPlacement(2, 2));
        assertEquals("cluster", Sweep.autoPlacement(2, 1), "a lone trial uses every core data-parallel");
        assertEquals("cluster", Sweep.autoPlacement(16, 8));
        assertEquals(2, Sweep.autoParallel("task", 2, 300_000, 8), "one trial per core");
        assertEquals(3, Sweep.autoParallel("task", 4, 300_000, 3), "never more than the trials left");
        assertEquals(8, Sweep.autoParallel("cluster", 16, 300_000, 8), "2 partitions each for a 0.3M-parameter model");
    }

    @Test
    void ashaKeepsTheTopThirdOfEachRung() {
        Asha asha = new Asha(1, 3, 9);
        assertEquals(List.of(1, 3), asha.rungEpochs());
        assertTrue(!asha.report(1, 1, 0.30).stop(), "the first at a rung continues");
        assertTrue(asha.report(2, 1, 0.20).stop(), "2nd of 2: only ceil(2/3) = 1 continues");
        assertTrue(asha.report(3, 1, 0.30).stop(), "a tie with an earlier trial loses");
        assertTrue(!asha.report(4, 1, 0.50).stop(), "the best so far continues");
        assertTrue(!asha.report(5, 1, 0.31).stop(), "2nd of 5: ceil(5/3) = 2 continue");
        assertTrue(!asha.report(1, 2, 0.0).stop(), "epoch 2 is no rung");
        assertTrue(!asha.report(4, 3, 0.5).stop());
        Asha.Decision d = asha.report(5, 3, 0.1);
        assertTrue(d.stop());
        assertEquals("asha: rung 1", d.reason());
        assertTrue(!asha.report(1, 9, 0.1).stop(), "no rung at the last epoch");
        Asha replayed = new Asha(1, 3, 9);
        replayed.replay(1, java.util.Arrays.asList(0.3, 0.4, 0.5));
        assertTrue(replayed.report(2, 1, 0.2).stop(), "a restarted sweep remembers finished trials");
    }
}
