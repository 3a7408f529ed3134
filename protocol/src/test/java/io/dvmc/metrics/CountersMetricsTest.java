package io.dvmc.metrics;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A counters file as Prometheus reads it: names from types and labels, read at scrape time. */
class CountersMetricsTest
{
    @TempDir
    Path dir;

    static String text(final MetricSnapshots snapshots) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, snapshots);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dropsArePerReasonPortCountersPerPortAndOtherCountersNamedByTheirLabel() throws IOException
    {
        try (CountersFile file = CountersFile.create(dir.resolve("x-counters.dat"), 16))
        {
            file.newCounter("rx frames", CounterTypes.DATAPLANE).set(5);
            file.newCounter("chaddr != source MAC dropped", CounterTypes.DROP).set(2);
            file.newCounter("RELEASE/DECLINE dropped: holds full", CounterTypes.DROP);
            file.newCounter("port vm1 rx DHCP", CounterTypes.PORT).set(3);
            file.newCounter("port vm 2 rx", CounterTypes.PORT).set(4);
            file.newCounter("bindings in force", CounterTypes.DATAPLANE).set(7);

            final String text = text(new CountersMetrics("dataplane", file.reader()).collect());

            assertTrue(text.contains("# TYPE dvmc_dataplane_rx_frames_total counter\n"), text);
            assertTrue(text.contains("dvmc_dataplane_rx_frames_total 5.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_dropped_total{reason=\"chaddr_source_mac\"} 2.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_dropped_total{reason=\"release_decline_holds_full\"} 0.0\n"),
                text);
            assertTrue(text.contains("dvmc_dataplane_port_rx_dhcp_total{port=\"vm1\"} 3.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_port_rx_total{port=\"vm 2\"} 4.0\n"), text);
            assertTrue(text.contains("# TYPE dvmc_dataplane_bindings_in_force gauge\n"), text);
            assertTrue(text.contains("dvmc_dataplane_bindings_in_force 7.0\n"), text);
        }
    }

    @Test
    void aCounterIncrementedAfterTheCollectorWasMadeIsReadAtTheNextScrape() throws IOException
    {
        try (CountersFile file = CountersFile.create(dir.resolve("x-counters.dat"), 4))
        {
            final CountersMetrics metrics = new CountersMetrics("agent", file.reader());
            final var acks = file.newCounter("DVMC ACK received", CounterTypes.AGENT);
            acks.increment();

            assertTrue(text(metrics.collect()).contains("dvmc_agent_dvmc_ack_received_total 1.0\n"));
        }
    }

    @Test
    void labelsBecomeSnakeCase()
    {
        assertEquals(List.of("dvmc_exchange_table_full", "bad_mac", "ip_fragments_oversized"),
            List.of(CountersMetrics.snakeCase("DVMC exchange table full "), CountersMetrics.snakeCase(": bad-MAC"),
                CountersMetrics.snakeCase("IP fragments oversized")));
    }
}
