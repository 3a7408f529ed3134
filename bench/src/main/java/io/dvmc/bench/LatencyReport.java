package io.dvmc.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints latency percentiles of labelled samples ("label micros" or "label failed" per line) from one run, and the
 * ratio of the first label to each other one, the references measured in the same run. With
 * {@code -Ddvmc.bench.svg=FILE} it also draws their latency-by-percentile plot there; with
 * {@code -Ddvmc.bench.parts=true} the labels are parts of one whole and no ratio is printed.
 */
public final class LatencyReport
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 100};

    private LatencyReport()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of(args[0]));
        final Map<String, Histogram> histograms = new LinkedHashMap<>();
        final Map<String, Integer> failures = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++)
        {
            histograms.put(args[i], new Histogram(60_000_000L, 3));
            failures.put(args[i], 0);
        }
        for (final String line : lines)
        {
            final String[] parts = line.trim().split("\\s+");
            if (parts.length != 2 || !histograms.containsKey(parts[0]))
            {
                continue;
            }
            if (parts[1].equals("failed"))
            {
                failures.merge(parts[0], 1, Integer::sum);
            }
            else
            {
                histograms.get(parts[0]).recordValue(Long.parseLong(parts[1]));
            }
        }
        System.out.printf(Locale.ROOT, "%-14s %8s %8s %10s %10s %10s %10s %10s%n",
            "target", "samples", "failed", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        for (final Map.Entry<String, Histogram> e : histograms.entrySet())
        {
            final Histogram h = e.getValue();
            System.out.printf(Locale.ROOT, "%-14s %8d %8d", e.getKey(), h.getTotalCount(), failures.get(e.getKey()));
            for (final double p : PERCENTILES)
            {
                System.out.printf(Locale.ROOT, " %10.2f", h.getValueAtPercentile(p) / 1000.0);
            }
            System.out.println();
        }
        final String svg = System.getProperty("dvmc.bench.svg");
        if (svg != null)
        {
            Files.writeString(Path.of(svg),
                PercentilePlot.svg(System.getProperty("dvmc.bench.title", "latency"), histograms));
        }
        // Parts of one whole (dvmc's legs split in three) are no subject and references: no ratios.
        final int references = Boolean.getBoolean("dvmc.bench.parts") ? 0 : args.length;
        final Histogram subject = histograms.get(args[1]);
        for (int i = 2; i < references; i++)
        {
            final Histogram reference = histograms.get(args[i]);
            if (subject.getTotalCount() == 0 || reference.getTotalCount() == 0)
            {
                continue;
            }
            System.out.printf(Locale.ROOT, "%s / %s:", args[1], args[i]);
            for (final double p : new double[]{50, 99, 99.9})
            {
                System.out.printf(Locale.ROOT, " %.2f at p%s", (double)subject.getValueAtPercentile(p) /
                    Math.max(1, reference.getValueAtPercentile(p)), p == 99.9 ? "99.9" : Long.toString((long)p));
            }
            System.out.println();
        }
    }
}
