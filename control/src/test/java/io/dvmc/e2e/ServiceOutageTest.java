package io.dvmc.e2e;

import io.dvmc.lab.Await;
import io.dvmc.lab.ClientEvent;
import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.UdhcpcSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): a real client behind the real dataplane, agent and service processes keeps its address through a
 * service outage, because the agent refreshes the host lease in the background (DESIGN §5) and the fast path answers
 * as long as the host lease lasts.
 */
class ServiceOutageTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final int VM_LEASE_SECONDS = 4;
    private static final int HOST_LEASE_SECONDS = 16;
    /** udhcpc stretches any lease under 16 s to 16 s, so the test asks it to renew at the pace of a 4 s lease. */
    private static final Duration RENEW_EVERY = Duration.ofMillis(VM_LEASE_SECONDS * 1000 / 2);

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc");
    }

    @Test
    void aClientKeepsRenewingItsAddressOnTheHostWhileTheServiceIsDownPastTheEndOfTheFirstHostLease() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = EndToEndTest.host(dir, lab, 100))
        {
            host.leaseSeconds(VM_LEASE_SECONDS, HOST_LEASE_SECONDS);
            host.start();
            final NetnsLab.Vm vm = lab.vm(0);
            try (UdhcpcSession session = clients.start(vm.ns(), vm.ifname()))
            {
                final Lease bound = session.awaitLease(BIND);
                final long boundAt = System.nanoTime();
                assertEquals(VM_LEASE_SECONDS, bound.leaseSeconds());

                // The agent refreshes the host lease at about half its life; then the service dies.
                host.awaitCounter(host.agent(), "agent: host lease refreshes acknowledged", 1,
                    Duration.ofSeconds(HOST_LEASE_SECONDS));
                final long refreshedAt = System.nanoTime();
                host.service().kill();
                final long slowPathExchanges = host.counter("agent: DVMC exchanges started");
                final long fastAcks = host.counter("dataplane: fast path ACK");

                // Until a VM lease after the first host lease ended, and short of the end of the refreshed one: the
                // host counts that from when the agent sent the refresh, which was before refreshedAt, less a margin,
                // and the fast path stops granting 2 s before it ends (HostLease.MIN_GRANT_SECONDS).
                final long until = Math.max(boundAt + Duration.ofSeconds(HOST_LEASE_SECONDS + 1).toNanos(),
                    refreshedAt + Duration.ofSeconds(HOST_LEASE_SECONDS - VM_LEASE_SECONDS - 2).toNanos());
                int renewals = 0;
                while (System.nanoTime() - until < 0)
                {
                    session.renew();
                    final Lease renewed = session.awaitEvent("renew", Duration.ofSeconds(VM_LEASE_SECONDS))
                        .lease(vm.ns());
                    assertEquals(bound.ip(), renewed.ip(), "the renewal moved the VM");
                    assertTrue(renewed.leaseSeconds() > 0 && renewed.leaseSeconds() <= VM_LEASE_SECONDS,
                        "lease time " + renewed.leaseSeconds());
                    renewals++;
                    // The next renewal comes at T1 of this one, as the client's own timer would send it.
                    final long renewedAt = System.nanoTime();
                    Await.until("T1 of the renewed lease", RENEW_EVERY.multipliedBy(2),
                        () -> System.nanoTime() - renewedAt >= RENEW_EVERY.toNanos());
                }
                assertTrue(System.nanoTime() - boundAt > Duration.ofSeconds(HOST_LEASE_SECONDS).toNanos());
                assertTrue(renewals >= 4, renewals + " renewals");
                final List<String> events = session.events().stream().map(ClientEvent::name).toList();
                final List<String> sinceBound = events.subList(events.indexOf("bound"), events.size());
                assertTrue(sinceBound.stream().allMatch(e -> e.equals("bound") || e.equals("renew")),
                    "the client lost its address: " + events);
                host.awaitReplies("dataplane: fast path ACK", fastAcks + renewals);
                assertEquals(slowPathExchanges, host.counter("agent: DVMC exchanges started"),
                    "a renewal took the slow path");
            }
        }
    }
}
