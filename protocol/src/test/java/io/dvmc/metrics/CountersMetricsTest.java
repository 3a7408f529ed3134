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
    void dropsArePerReasonPortCountersPerPortLaneCountersPerLaneAndOtherCountersNamedByTheirName() throws IOException
    {
        try (CountersFile file = CountersFile.create(dir.resolve("x-counters.dat"), 16))
        {
            file.newCounter("rx_frames", "rx frames", CounterTypes.DATAPLANE).set(5);
            file.newCounter("chaddr_mismatch_dropped", "chaddr != source MAC dropped", CounterTypes.DROP).set(2);
            file.newCounter("dropped_bad_hmac", "dropped: bad-hmac", CounterTypes.DROP);
            file.newCounter("port_rx_dhcp", "vm1", "port vm1 rx DHCP", CounterTypes.PORT).set(3);
            file.newCounter("port_rx", "vm 2", "port vm 2 rx", CounterTypes.PORT).set(4);
            file.newCounter("bindings_in_force", "bindings in force", CounterTypes.DATAPLANE).set(7);
            file.newCounter("lane_rx_frames", "0", "lane 0 rx frames", CounterTypes.LANE).set(8);
            file.newCounter("lane_rx_frames", "1", "lane 1 rx frames", CounterTypes.LANE).set(9);

            final String text = text(new CountersMetrics("dataplane", file).collect());

            assertTrue(text.contains("# TYPE dvmc_dataplane_rx_frames_total counter\n"), text);
            assertTrue(text.contains("dvmc_dataplane_rx_frames_total 5.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_dropped_total{reason=\"chaddr_mismatch\"} 2.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_dropped_total{reason=\"bad_hmac\"} 0.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_port_rx_dhcp_total{port=\"vm1\"} 3.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_port_rx_total{port=\"vm 2\"} 4.0\n"), text);
            assertTrue(text.contains("# TYPE dvmc_dataplane_bindings_in_force gauge\n"), text);
            assertTrue(text.contains("dvmc_dataplane_bindings_in_force 7.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_lane_rx_frames_total{lane=\"0\"} 8.0\n"), text);
            assertTrue(text.contains("dvmc_dataplane_lane_rx_frames_total{lane=\"1\"} 9.0\n"), text);
        }
    }

    @Test
    void aCounterIncrementedAfterTheCollectorWasMadeIsReadAtTheNextScrape() throws IOException
    {
        try (CountersFile file = CountersFile.create(dir.resolve("x-counters.dat"), 4))
        {
            final CountersMetrics metrics = new CountersMetrics("agent", file);
            final var acks = file.newCounter("dvmc_acks", "DVMC ACK received", CounterTypes.AGENT);
            acks.increment();

            assertTrue(text(metrics.collect()).contains("dvmc_agent_dvmc_acks_total 1.0\n"));
        }
    }

    @Test
    void aNakTheAgentDropsHasTheNakReasonAsALabelOfItsOwn() throws IOException
    {
        try (CountersFile file = CountersFile.create(dir.resolve("x-counters.dat"), 4))
        {
            file.newCounter("dvmc_nak_no_address_dropped", "NAK no address dropped", CounterTypes.DROP).set(3);
            file.newCounter("exchange_timeouts_dropped", "exchange timeouts", CounterTypes.DROP).set(1);

            final String text = text(new CountersMetrics("agent", file).collect());

            assertTrue(text.contains("dvmc_agent_dropped_total{nak_reason=\"no_address\",reason=\"dvmc_nak\"} 3.0\n"),
                text);
            assertTrue(text.contains("dvmc_agent_dropped_total{reason=\"exchange_timeouts\"} 1.0\n"), text);
        }
    }

    @Test
    void aDropsReasonIsItsNameWithoutDropped()
    {
        assertEquals(List.of("unbound_mac", "bad_hmac", "errors"),
            List.of(CountersMetrics.reason("unbound_mac_dropped"),
                CountersMetrics.reason("dropped_bad_hmac"), CountersMetrics.reason("errors")));
    }
}
