package io.dvmc.service;

import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.lab.Await;
import io.dvmc.metrics.MetricsEndpoint;
import io.dvmc.policy.FilePolicyStore;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service's metrics per domain: the pool of every address-managed domain of the policy, served yet or not, and
 * the requests each domain's clients made, by kind.
 */
class ServiceDomainMetricsTest
{
    private static final long MAC = 0x0200_0000_0001L;

    @TempDir
    Path dir;

    @Test
    void everyAddressManagedDomainHasItsPoolFiguresAndEachDomainCountsItsRequestsByKind() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, TestPolicies.json(6767));
        DvmcService service = null;
        MetricsEndpoint endpoint = null;
        TestAgent agent = null;
        try
        {
            service = new DvmcService(new FilePolicyStore(policy), new InetSocketAddress("127.0.0.1", 0),
                TestAgent.KEY, dir.resolve("state"), Clock.systemUTC(), new BackoffIdleStrategy()).start();
            endpoint = ServiceMetrics.start(service, new InetSocketAddress("127.0.0.1", 0));
            agent = new TestAgent(SystemEpochClock.INSTANCE);
            final InetSocketAddress at = service.localAddress();
            final TestAgent.Reply bound = agent.bind(at, TestPolicies.BLUE, MAC);
            agent.send(DvmcMessageType.RELEASE, at, TestPolicies.BLUE, MAC, bound.yiaddr());
            agent.send(DvmcMessageType.INFORM, at, TestPolicies.BLUE, MAC, 0);

            final URI uri = URI.create("http://127.0.0.1:" + endpoint.address().getPort() + "/metrics");
            final HttpClient http = HttpClient.newHttpClient();
            final String[] text = new String[1];
            // At least once: a client retransmits a request the service was slow to answer, and each is taken.
            Await.within(Duration.ofSeconds(30), () -> {
                text[0] = scrape(http, uri);
                return value(text[0], blue("inform")) >= 1;
            });
            final String t = text[0];
            assertAll(
                () -> assertTrue(value(t, blue("inform")) >= 1, "the inform of blue counted:\n" + t),
                () -> assertTrue(value(t, blue("discover")) >= 1, t),
                () -> assertTrue(value(t, blue("request")) >= 1, t),
                () -> assertTrue(value(t, blue("release")) >= 1, t),
                () -> assertEquals(0, value(t, blue("decline")), t),
                () -> assertEquals(0, value(t,
                    "dvmc_service_domain_requests_total{domain=\"200\",name=\"red\",request=\"discover\"}"), t),
                () -> assertEquals(100, value(t, "dvmc_service_pool_addresses{domain=\"200\",name=\"red\"}"),
                    "a domain nobody asked in yet has its pool figures:\n" + t),
                () -> assertEquals(1, value(t, "dvmc_service_pool_free_addresses{domain=\"300\",name=\"tiny\"}"), t),
                () -> assertFalse(t.contains("name=\"relayed\""), "a relay domain has no pool:\n" + t),
                () -> assertTrue(value(t, DvmcService.JOURNAL_SYNC_METRIC + "_count{file=\"leases.journal\"}") >= 1,
                    "the ACK's journal sync timed:\n" + t),
                () -> assertTrue(value(t, DvmcService.JOURNAL_SYNC_METRIC + "_sum{file=\"leases.journal\"}") > 0, t));
        }
        finally
        {
            CloseHelper.quietCloseAll(agent, endpoint, service);
        }
    }

    private static String blue(final String request)
    {
        return "dvmc_service_domain_requests_total{domain=\"100\",name=\"blue\",request=\"" + request + "\"}";
    }

    /** The value of a sample in a scrape, -1 when it is not there. */
    private static double value(final String text, final String sample)
    {
        return text.lines().filter(l -> l.startsWith(sample + " ")).mapToDouble(
            l -> Double.parseDouble(l.substring(sample.length() + 1).trim())).findFirst().orElse(-1);
    }

    private static String scrape(final HttpClient http, final URI uri)
    {
        try
        {
            return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
