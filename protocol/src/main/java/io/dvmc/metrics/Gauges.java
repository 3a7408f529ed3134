package io.dvmc.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Gauges read through callbacks at scrape time, e.g. a ring's depth; the callbacks must be safe from any thread. */
public final class Gauges implements MultiCollector
{
    private record Point(Labels labels, LongSupplier value)
    {
    }

    private final Map<String, String> help = new LinkedHashMap<>();
    private final Map<String, List<Point>> points = new LinkedHashMap<>();

    /**
     * Adds a data point to the gauge {@code name}, before the endpoint starts.
     *
     * @param labels label names and values, alternating.
     */
    public Gauges add(final String name, final String help, final LongSupplier value, final String... labels)
    {
        this.help.putIfAbsent(name, help);
        points.computeIfAbsent(name, n -> new ArrayList<>()).add(new Point(Labels.of(labels), value));
        return this;
    }

    public MetricSnapshots collect()
    {
        final List<MetricSnapshot> snapshots = new ArrayList<>(points.size());
        points.forEach((name, list) -> {
            final GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help.get(name));
            for (final Point p : list)
            {
                b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(p.labels())
                    .value(p.value().getAsLong()).build());
            }
            snapshots.add(b.build());
        });
        return new MetricSnapshots(snapshots);
    }
}
