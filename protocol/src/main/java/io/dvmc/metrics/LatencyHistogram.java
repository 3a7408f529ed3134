package io.dvmc.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A latency histogram with fixed buckets, one series per label value, all preallocated: {@link #record} allocates
 * nothing and takes one atomic add per bucket and sum, so the thread that measures can call it per exchange. A
 * scrape reads the buckets as they are; the count is the sum of the buckets read, so it always matches them.
 */
public final class LatencyHistogram implements MultiCollector
{
    /** Upper bounds in seconds: from a loopback round trip to the longest an agent waits. */
    public static final double[] BOUNDS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final String name;
    private final String help;
    private final String labelName;
    private final List<String> labelValues;
    private final long[] boundsNs = new long[BOUNDS_SECONDS.length];
    /** Per series, the buckets' counts (the last one is +Inf), then the sum of the nanoseconds. */
    private final AtomicLongArray cells;
    private final int stride;

    /** @param labelValues the series, by index: {@link #record}'s {@code series}. */
    public LatencyHistogram(final String name, final String help, final String labelName,
        final List<String> labelValues)
    {
        this.name = name;
        this.help = help;
        this.labelName = labelName;
        this.labelValues = List.copyOf(labelValues);
        for (int i = 0; i < boundsNs.length; i++)
        {
            boundsNs[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
        stride = boundsNs.length + 2;
        cells = new AtomicLongArray(stride * labelValues.size());
    }

    /** Counts one latency of {@code nanos} in {@code series}; a negative one (a clock step) counts as zero. */
    public void record(final int series, final long nanos)
    {
        final long ns = Math.max(0, nanos);
        int bucket = 0;
        while (bucket < boundsNs.length && ns > boundsNs[bucket])
        {
            bucket++;
        }
        final int base = series * stride;
        cells.getAndIncrement(base + bucket);
        cells.getAndAdd(base + stride - 1, ns);
    }

    /** Latencies counted in {@code series}. */
    public long count(final int series)
    {
        long count = 0;
        for (int b = 0; b <= boundsNs.length; b++)
        {
            count += cells.get(series * stride + b);
        }
        return count;
    }

    public MetricSnapshots collect()
    {
        final HistogramSnapshot.Builder snapshot = HistogramSnapshot.builder().name(name).help(help);
        final double[] bounds = new double[boundsNs.length + 1];
        System.arraycopy(BOUNDS_SECONDS, 0, bounds, 0, BOUNDS_SECONDS.length);
        bounds[boundsNs.length] = Double.POSITIVE_INFINITY;
        for (int s = 0; s < labelValues.size(); s++)
        {
            final long[] counts = new long[bounds.length];
            for (int b = 0; b < counts.length; b++)
            {
                counts[b] = cells.get(s * stride + b);
            }
            snapshot.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .labels(Labels.of(labelName, labelValues.get(s)))
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(cells.get(s * stride + stride - 1) / 1e9).build());
        }
        return MetricSnapshots.of(snapshot.build());
    }
}
