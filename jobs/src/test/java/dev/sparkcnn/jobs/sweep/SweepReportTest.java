package dev.sparkcnn.jobs.sweep;

import dev.sparkcnn.jobs.report.SvgChart;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sweep.html and the scatter options of SvgChart it uses, without Spark. */
class SweepReportTest {

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void scatterDrawsPointsOnALogAxisOrNamedCategories() {
        String svg = new SvgChart("acc vs lr", "lr", "acc").scatter().logX()
                .add(SvgChart.line("completed", "#00f", new double[] {0.001, 0.02, 0.09, -1}, new double[] {10, 30, 20, 5}))
                .toSvg();
        assertEquals(3, count(svg, "class=\"point\""), "one marker per point with x > 0");
        assertFalse(svg.contains("<polyline"), "no lines in a scatter plot");
        for (String tick : List.of(">0.001<", ">0.01<", ">0.1<")) assertTrue(svg.contains(tick), tick + " tick in " + svg);

        String cat = new SvgChart("acc vs model", "model", "acc").scatter().xCategories(List.of("lenet5", "cifar-quick"))
                .add(SvgChart.line("completed", "#00f", new double[] {0, 1, 1}, new double[] {10, 30, 20}))
                .toSvg();
        assertEquals(3, count(cat, "class=\"point\""));
        assertTrue(cat.contains(">lenet5<") && cat.contains(">cifar-quick<"), cat);
    }

    @Test
    void pageHasScatterPerKeyCurvesAndRankedTable() {
        SweepFile f = SweepFile.parse("trials = 3\nepochs = 3\nspace.lr = loguniform(1e-3, 1e-1)\nspace.model = choice(lenet5, cifar-quick)\n",
                "demo.sweep", null);
        List<TrialResult> rs = new ArrayList<>();
        rs.add(new TrialResult(1, f.trials().get(0).values(), 3, List.of(0.2, 0.3, 0.4), 0.4, 3, 0.4, 9.5, "completed", 1));
        rs.add(new TrialResult(2, f.trials().get(1).values(), 1, List.of(0.1), 0.1, 1, 0.1, 3.1, "asha: rung 0", 1));
        rs.add(new TrialResult(3, f.trials().get(2).values(), 0, List.of(), null, 0, null, 0.2, "failed: <spec> does not fit", 0));
        String html = SweepReport.render(f, rs, rs.get(0));
        assertTrue(html.startsWith("<!DOCTYPE html>") && !html.contains("<script"), "self-contained page");
        assertTrue(html.contains("validation accuracy vs lr") && html.contains("lr (log scale)"), "log scatter for loguniform");
        assertTrue(html.contains("validation accuracy vs model") && html.contains(">cifar-quick<"), "categories for model names");
        assertTrue(html.contains("validation accuracy per epoch") && html.contains("stroke-dasharray"), "curves, ASHA-stopped dashed");
        assertTrue(html.contains("<tr class=\"best\"><td class=\"num\">1</td><td>trial-001</td>"), "best ranked first");
        assertTrue(html.contains("failed: &lt;spec&gt; does not fit"), "escaped");
    }
}
