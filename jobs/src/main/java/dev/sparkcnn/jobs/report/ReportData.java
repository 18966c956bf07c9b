package dev.sparkcnn.jobs.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@link RunReport} shows. Every field may be left null or empty; the page then says what is missing.
 *
 * <p>{@code metrics} are the parsed lines of {@code metrics.jsonl} (read with {@code dev.sparkcnn.driver.metrics.Json}): records with
 * {@code "type":"step"} (step, epoch, loss, accuracy, lr, images_per_second, ms_params_out, ms_compute,
 * ms_aggregate, ms_update, ms_step) and {@code "type":"epoch"} (epoch, step, train_loss, train_accuracy,
 * test_loss, test_accuracy, seconds, and after an evaluation confusion). Values are {@link Number}s or strings.
 */
public final class ReportData {
    /** Name of the run, e.g. the output directory's name. */
    public String title;
    /** Name of the model, e.g. "cifar10-quick". */
    public String model;
    /** Parsed metrics.jsonl lines, in file order. */
    public List<Map<String, Object>> metrics;
    /** Test-set confusion counts [true class][predicted class]; if null, the last epoch record's "confusion" is used. */
    public long[][] confusion;
    /** Class names by label, 10 for CIFAR-10; labels without a name are shown as numbers. */
    public List<String> classNames;
    /** Test images with their predictions; the first {@link RunReport#MAX_IMAGES} are shown. */
    public List<ReportImage> images;
    /** Headline figures in display order, already formatted: "throughput" -> "1,234 images/s". */
    public LinkedHashMap<String, String> figures;
}
