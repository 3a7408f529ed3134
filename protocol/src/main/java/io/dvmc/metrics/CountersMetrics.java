package io.dvmc.metrics;

import io.dvmc.ipc.CounterTypes;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A process's counters file as Prometheus metrics, read at scrape time as {@code dvmc ctl stat} reads it: the
 * counters are the ones the process already keeps, so exposing them adds nothing to the per-packet path.
 *
 * <p>Names follow from the counter's type and label (docs/metrics.md): a drop counter is
 * {@code dvmc_<process>_dropped_total{reason="<label>"}}, a port counter
 * {@code dvmc_<process>_port_<what>_total{port="<name>"}}, any other {@code dvmc_<process>_<label>_total}, and the
 * few counters that hold a level rather than a count are gauges without the suffix.
 */
public final class CountersMetrics implements MultiCollector
{
    /** What a port counter's label ends with ("port NAME rx DHCP"), longest first so that "rx DHCP" beats "rx". */
    public static final List<String> PORT_COUNTERS =
        List.of("dpdk ipackets", "dpdk opackets", "dpdk imissed", "rx DHCP", "rx", "tx");
    /** Counters that hold a level, set rather than incremented. */
    public static final Set<String> GAUGES = Set.of("bindings in force", "quarantined");

    private final String prefix;
    private final CountersReader reader;

    /** @param process the process's name in metric names: dataplane, agent or service. */
    public CountersMetrics(final String process, final CountersReader reader)
    {
        this.prefix = "dvmc_" + process + "_";
        this.reader = reader;
    }

    public MetricSnapshots collect()
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        reader.forEach((value, id, label) ->
        {
            final int type = reader.getCounterTypeId(id);
            final String port = type == CounterTypes.PORT ? portCounter(label) : null;
            if (type == CounterTypes.DROP)
            {
                families.computeIfAbsent(prefix + "dropped", n -> new Family(n, false,
                    "Frames or messages dropped, by reason (the label of dvmc ctl stat)"))
                    .add(value, Labels.of("reason", snakeCase(label.replace("dropped", " "))));
            }
            else if (port != null)
            {
                final String name = label.substring("port ".length(), label.length() - port.length() - 1);
                families.computeIfAbsent(prefix + "port_" + snakeCase(port), n -> new Family(n, false,
                    "Per port: " + port)).add(value, Labels.of("port", name));
            }
            else
            {
                final boolean gauge = GAUGES.contains(label);
                families.computeIfAbsent(prefix + snakeCase(label), n -> new Family(n, gauge, label))
                    .add(value, Labels.EMPTY);
            }
        });
        final List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        families.values().forEach(f -> snapshots.add(f.snapshot()));
        return new MetricSnapshots(snapshots);
    }

    /** @return what a port counter's label counts, or null when the label is not "port NAME what". */
    static String portCounter(final String label)
    {
        if (!label.startsWith("port "))
        {
            return null;
        }
        for (final String what : PORT_COUNTERS)
        {
            if (label.endsWith(" " + what) && label.length() > "port ".length() + what.length() + 1)
            {
                return what;
            }
        }
        return null;
    }

    /** "chaddr != source MAC" to "chaddr_source_mac": lower case, every run of other characters one underscore. */
    public static String snakeCase(final String text)
    {
        final StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = Character.toLowerCase(text.charAt(i));
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9')
            {
                sb.append(c);
            }
            else if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != '_')
            {
                sb.append('_');
            }
        }
        while (!sb.isEmpty() && sb.charAt(sb.length() - 1) == '_')
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
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
