package io.dvmc.e2e;

import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Exec;
import io.dvmc.lab.LabException;
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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): a binding added to host.json while the dataplane, the agent and the service run is applied
 * without a restart (issue 5 item 6), and one removed makes the VM unbound and takes its host lease with it. A real
 * udhcpc in a namespace, the dataplane on net_af_packet.
 */
class RuntimeBindingsTest
{
    private static final Duration BIND = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc");
    }

    private static DvmcHost unboundHost(final Path dir, final NetnsLab lab) throws Exception
    {
        return new DvmcHost(dir, List.of(new DvmcHost.Port("vm0", lab.afPacketVdev(lab.vm(0)))), List.of(),
            lab.hostNs());
    }

    private static DvmcHost.Binding binding(final NetnsLab.Vm vm)
    {
        return new DvmcHost.Binding("vm" + vm.index(), vm.mac(), 100,
            UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString());
    }

    /** The VM keeps asking, and the dataplane keeps dropping its DISCOVERs as unbound. */
    private static UdhcpcSession unansweredVm(final DvmcHost host, final DhcpClients clients, final NetnsLab.Vm vm)
    {
        final UdhcpcSession session = clients.startUntilBound(vm.ns(), vm.ifname());
        host.awaitCounter(host.dataplane(), "dataplane: unbound MAC dropped", 2, BIND);
        assertTrue(session.events().stream().noneMatch(e -> e.name().equals("bound")), session.output());
        return session;
    }

    @Test
    void aVmBoundInHostJsonWhileEverythingRunsGetsAnAddressAndOnceUnboundIsDroppedAndItsHostLeaseIsGone()
        throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = unboundHost(dir, lab))
        {
            host.start();
            final NetnsLab.Vm vm = lab.vm(0);
            try (UdhcpcSession session = unansweredVm(host, clients, vm))
            {
                final long written = System.nanoTime();
                host.rewriteBindings(List.of(binding(vm)));
                host.dataplane().await("the binding to be in force", BIND,
                    () -> host.counter("dataplane: bindings in force") == 1);
                // A figure for the operator's documentation, not an assertion (tests never assert speed).
                System.out.println("binding in force in the dataplane " +
                    (System.nanoTime() - written) / 1_000_000 + " ms after host.json was written");
                final Lease lease = session.awaitLease(BIND);
                assertTrue(lease.ip().startsWith("10.0.0."), lease.toString());
            }

            host.rewriteBindings(List.of());
            host.agent().await("the host lease to be removed", BIND,
                () -> host.counter("agent: leases removed") >= 1);
            host.dataplane().await("the binding to be removed", BIND,
                () -> host.counter("dataplane: bindings in force") == 0);
            final long unbound = host.counter("dataplane: unbound MAC dropped");
            assertThrows(LabException.class, () -> clients.udhcpc(vm.ns(), vm.ifname(), Duration.ofSeconds(10)),
                "a VM no longer bound here was answered");
            assertTrue(host.counter("dataplane: unbound MAC dropped") > unbound, host.counters().toString());
            final String leases = host.ctl("leases", "--json");
            assertFalse(leases.contains(vm.mac()), "the host lease of a VM no longer bound here: " + leases);
        }
    }

    @Test
    void aRealClientOnAPortAddedToHostJsonWhileEverythingRunsGetsAnAddress() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = unboundHost(dir, lab))
        {
            host.start();
            final NetnsLab.Vm first = lab.vm(0);
            final NetnsLab.Vm added = lab.addVm("02:ee:00:00:00:01");
            host.rewrite(List.of(new DvmcHost.Port("vm0", lab.afPacketVdev(first)),
                new DvmcHost.Port("vm1", lab.afPacketVdev(added))), List.of(binding(first), binding(added)));
            final Lease lease = clients.udhcpc(added.ns(), added.ifname(), BIND);
            assertTrue(lease.ip().startsWith("10.0.0."), lease.toString());
            assertTrue(host.counter("dataplane: port vm1 rx DHCP") >= 2, host.counters().toString());
            assertTrue(clients.udhcpc(first.ns(), first.ifname(), BIND).ip().startsWith("10.0.0."));
        }
    }

    @Test
    void aSighupMakesTheAgentReadHostJsonAgainAndKillsNoDvmcProcess() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = unboundHost(dir, lab))
        {
            host.start();
            final NetnsLab.Vm vm = lab.vm(0);
            try (UdhcpcSession session = unansweredVm(host, clients, vm))
            {
                host.rewriteBindings(List.of(binding(vm)));
                for (final JvmProcess process : List.of(host.agent(), host.dataplane(), host.service()))
                {
                    Exec.signal(process.pid(), "HUP");
                }
                host.agent().await("the agent to log the SIGHUP", BIND, () -> host.agent().log().contains("SIGHUP"));
                session.awaitLease(BIND);
                for (final JvmProcess process : List.of(host.agent(), host.dataplane(), host.service()))
                {
                    assertTrue(process.isAlive(), process.name() + " died of SIGHUP:\n" + process.log());
                }
                assertFalse(host.agent().log().contains("refused"), host.agent().log());
            }
        }
    }
}
