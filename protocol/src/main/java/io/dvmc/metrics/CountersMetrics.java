package io.dvmc.metrics;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A process's counters file as Prometheus metrics, read at scrape time as {@code dvmc ctl stat} reads it: the
 * counters are the ones the process already keeps, so exposing them adds nothing to the per-packet path.
 *
 * <p>Names follow from each counter's stable name (docs/counters.md, docs/metrics.md): a drop counter is
 * {@code dvmc_<process>_dropped_total{reason="<name without 'dropped'>"}} (a NAK the agent drops:
 * {@code reason="dvmc_nak",nak_reason="<the NAK's reason>"}), a port counter
 * {@code dvmc_<process>_<name>_total{port="<port>"}}, a lane's {@code dvmc_<process>_<name>_total{lane="<n>"}}, any
 * other {@code dvmc_<process>_<name>_total}, and the few
 * counters that hold a level rather than a count are gauges without the suffix.
 */
public final class CountersMetrics implements MultiCollector
{
    /** Counters that hold a level, set rather than incremented. */
    public static final Set<String> GAUGES = Set.of("bindings_in_force", "ports_not_attached", "loops_backing_off",
        "quarantined");

    private static final String NAK_PREFIX = "dvmc_nak_";

    private final String prefix;
    private final CountersFile file;

    /** @param process the process's name in metric names: dataplane, agent or service. */
    public CountersMetrics(final String process, final CountersFile file)
    {
        this.prefix = "dvmc_" + process + "_";
        this.file = file;
    }

    public MetricSnapshots collect()
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        for (final CountersFile.Counter c : file.counters())
        {
            if (c.typeId() == CounterTypes.DROP)
            {
                families.computeIfAbsent(prefix + "dropped", n -> new Family(n, false,
                    "Frames or messages dropped, by reason (docs/counters.md)"))
                    .add(c.value(), dropLabels(reason(c.name())));
            }
            else if (c.typeId() == CounterTypes.LANE)
            {
                families.computeIfAbsent(prefix + c.name(), n -> new Family(n, false, "Per lane: " + c.name()))
                    .add(c.value(), Labels.of("lane", c.port()));
            }
            else if (!c.port().isEmpty())
            {
                families.computeIfAbsent(prefix + c.name(), n -> new Family(n, false, "Per port: " + c.name()))
                    .add(c.value(), Labels.of("port", c.port()));
            }
            else
            {
                families.computeIfAbsent(prefix + c.name(), n -> new Family(n, GAUGES.contains(c.name()), c.label()))
                    .add(c.value(), Labels.EMPTY);
            }
        }
        final List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        families.values().forEach(f -> snapshots.add(f.snapshot()));
        return new MetricSnapshots(snapshots);
    }

    /**
     * A drop's labels: its reason; a NAK the agent drops (the VM sees no DHCPNAK for it) is reason "dvmc_nak" with the
     * service's NAK reason as a label of its own, so that one query sums or splits them.
     */
    static Labels dropLabels(final String reason)
    {
        return reason.startsWith(NAK_PREFIX)
            ? Labels.of("nak_reason", reason.substring(NAK_PREFIX.length()), "reason", "dvmc_nak")
            : Labels.of("reason", reason);
    }

    /** "unbound_mac_dropped" and "dropped_bad_hmac" to "unbound_mac" and "bad_hmac". */
    static String reason(final String name)
    {
        if (name.startsWith("dropped_"))
        {
            return name.substring("dropped_".length());
        }
        return name.endsWith("_dropped") ? name.substring(0, name.length() - "_dropped".length()) : name;
    }

    /** The data points of one metric, collected before its snapshot is built. */
    private static final class Family
    {
        private final String name;
        private final boolean gauge;
        private final String help;
        private final List<Labels> labels = new ArrayList<>();
        private final List<Long> values = new ArrayList<>();

        Family(final String name, final boolean gauge, final String help)
        {
            this.name = name;
            this.gauge = gauge;
            this.help = help;
        }

        void add(final long value, final Labels point)
        {
            labels.add(point);
            values.add(value);
        }

        MetricSnapshot snapshot()
        {
            if (gauge)
            {
                final GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
                for (int i = 0; i < values.size(); i++)
                {
                    b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(values.get(i))
                        .labels(labels.get(i)).build());
                }
                return b.build();
            }
            final CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
            for (int i = 0; i < values.size(); i++)
            {
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(values.get(i))
                    .labels(labels.get(i)).build());
            }
            return b.build();
        }
    }
}
