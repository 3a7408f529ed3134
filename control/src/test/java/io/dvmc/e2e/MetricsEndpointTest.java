package io.dvmc.e2e;

import io.dvmc.lab.Await;
import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (no privileges): each process serves its metrics over loopback (docs/metrics.md). A real udhcpc DISCOVER
 * and a DISCOVER from an unbound MAC come in on a pcap port; the service and the agent are scraped before that
 * traffic and after it, the dataplane after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsEndpointTest
{
    private static final String UDHCPC_MAC = "02:dc:00:00:00:01";

    @TempDir
    static Path dir;

    private DvmcHost host;
    private String serviceBefore;
    private String agentBefore;

    @BeforeAll
    void aHostAnswersOneDiscoverAndDropsOneFromAnUnboundMac() throws Exception
    {
        final Path rx = dir.resolve("rx.pcap");
        PcapFile.write(rx, List.of(
            Files.readAllBytes(SlowPathOverPcapTest.CAPTURES.resolve("dhclient-discover.bin")),
            Files.readAllBytes(SlowPathOverPcapTest.CAPTURES.resolve("udhcpc-discover.bin"))));
        host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + dir.resolve("tx.pcap"))),
            List.of(new DvmcHost.Binding("vm1", UDHCPC_MAC, 200, UUID.randomUUID().toString())), null);
        host.serveMetrics();
        host.startService();
        host.startAgent();
        serviceBefore = host.scrape("service");
        agentBefore = host.scrape("agent");
        host.startDataplane();
        host.awaitCounter(host.dataplane(), "dataplane: tx frames", 1, Duration.ofSeconds(60));
    }

    @AfterAll
    void stop()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void theDataplaneCountsFramesByPortAndDropsByReasonAndShowsItsRingsAndQueues() throws Exception
    {
        final String after = host.scrape("dataplane");
        assertAll(
            () -> assertEquals(2, value(after, "dvmc_dataplane_port_rx_dhcp_total{port=\"vm1\"}"), after),
            () -> assertEquals(1, value(after, "dvmc_dataplane_port_tx_total{port=\"vm1\"}"), after),
            () -> assertEquals(1, value(after, "dvmc_dataplane_dropped_total{reason=\"unbound_mac\"}"), after),
            () -> assertEquals(0, value(after, "dvmc_dataplane_dropped_total{reason=\"agent_ring_full\"}"), after),
            () -> assertEquals(1, value(after, "dvmc_dataplane_slow_path_to_agent_total"), after),
            () -> assertEquals(1, value(after, "dvmc_dataplane_bindings_in_force"), after),
            () -> assertTrue(value(after, "dvmc_dataplane_ring_capacity_bytes{ring=\"to_agent\"}") > 0, after),
            () -> assertEquals(0, value(after, "dvmc_dataplane_ring_used_bytes{ring=\"to_agent\"}"), after),
            () -> assertEquals(0, value(after, "dvmc_dataplane_queue_frames{queue=\"worker\"}"), after));
    }

    @Test
    void theAgentCountsTheOfferItGotAndTimesTheExchangeThatBroughtIt() throws Exception
    {
        final String after = host.scrape("agent");
        assertAll(
            () -> assertEquals(0, value(agentBefore, "dvmc_agent_dvmc_offers_total"), agentBefore),
            () -> assertEquals(1, value(after, "dvmc_agent_dvmc_offers_total"), after),
            () -> assertEquals(0, value(agentBefore,
                "dvmc_agent_exchange_duration_seconds_count{request=\"discover\"}"), agentBefore),
            () -> assertEquals(1, value(after, "dvmc_agent_exchange_duration_seconds_count{request=\"discover\"}"),
                after),
            () -> assertEquals(1, value(after,
                "dvmc_agent_exchange_duration_seconds_bucket{request=\"discover\",le=\"+Inf\"}"), after),
            () -> assertEquals(0, value(after,
                "dvmc_agent_dropped_total{reason=\"exchange_table_full\"}"), after),
            () -> assertTrue(value(after, "dvmc_agent_ring_capacity_bytes{ring=\"to_dataplane\"}") > 0, after));
    }

    @Test
    void theServiceCountsTheOfferAndShowsThePoolOfTheDomainThatMadeIt() throws Exception
    {
        final String offered = "dvmc_service_pool_offered_addresses{domain=\"200\",name=\"red\"}";
        Await.until("the service's pool figures of domain 200", Duration.ofSeconds(30),
            () -> value(scrape("service"), offered) == 1);
        final String after = host.scrape("service");
        assertAll(
            () -> assertEquals(0, value(serviceBefore, "dvmc_service_offers_total"), serviceBefore),
            // At least: the agent retransmits a request the service was slow to answer, and each is answered.
            () -> assertTrue(value(after, "dvmc_service_offers_total") >= 1, after),
            () -> assertEquals(0, value(after, "dvmc_service_dropped_total{reason=\"bad_hmac\"}"), after),
            () -> assertEquals(100, value(after, "dvmc_service_pool_addresses{domain=\"200\",name=\"red\"}"), after),
            () -> assertEquals(99, value(after, "dvmc_service_pool_free_addresses{domain=\"200\",name=\"red\"}"),
                after),
            () -> assertEquals(0, value(after, "dvmc_service_pool_assigned_addresses{domain=\"200\",name=\"red\"}"),
                after),
            () -> assertEquals(100, value(after, "dvmc_service_pool_free_addresses{domain=\"100\",name=\"blue\"}"),
                "a domain nobody asked in yet has its pool figures too"),
            () -> assertEquals(0, value(after,
                "dvmc_service_domain_requests_total{domain=\"100\",name=\"blue\",request=\"discover\"}"), after));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void eachProcessServingMetricsStillStopsOnSigtermAndItsEndpointWithIt() throws Exception
    {
        // 143: ended by SIGTERM after the shutdown hook closed everything, the endpoint first; not killed.
        assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());
        assertEquals(143, host.agent().stop(Duration.ofSeconds(20)), host.logs());
        assertEquals(143, host.service().stop(Duration.ofSeconds(20)), host.logs());
        assertThrows(IOException.class, () -> host.scrape("service"));
    }

    private String scrape(final String process)
    {
        try
        {
            return host.scrape(process);
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** The value of the sample {@code series} (name and labels as exposed) in a scrape, or -1 when absent. */
    private static double value(final String scrape, final String series)
    {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
            .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip())).orElse(-1.0);
    }
}
