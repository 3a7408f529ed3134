package io.dvmc.e2e;

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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Tier 3 (root): a dataplane of two lanes, each VM's port a net_af_packet vdev with two queue pairs (the kernel's
 * fanout spreads the port's flows over them), binds real clients and answers their renewals, every frame received on
 * one lane or the other.
 */
class LanesEndToEndTest
{
    private static final Duration BIND = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc");
    }

    @Test
    void udhcpcClientsInTwoDomainsBindAndRenewThroughADataplaneOfTwoLanes() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(4);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = twoLaneHost(dir, lab))
        {
            host.start();
            final List<UdhcpcSession> sessions = new ArrayList<>();
            try
            {
                final List<Lease> bound = new ArrayList<>();
                for (final NetnsLab.Vm vm : lab.vms())
                {
                    final UdhcpcSession session = clients.start(vm.ns(), vm.ifname());
                    sessions.add(session);
                    bound.add(session.awaitLease(BIND));
                }
                assertNotEquals(bound.get(0).ip(), bound.get(2).ip(), "two VMs of domain 100 share an address");
                assertEquals(bound.get(0).ip(), bound.get(1).ip(), "the domains do not have separate pools");

                final long fastAcks = host.counter("dataplane: fast path ACK");
                for (int i = 0; i < sessions.size(); i++)
                {
                    sessions.get(i).renew();
                    final Lease renewed = sessions.get(i).awaitEvent("renew", BIND).lease(lab.vm(i).ns());
                    assertEquals(bound.get(i).ip(), renewed.ip(), "the renewal moved VM " + i);
                }
                host.awaitCounter(host.dataplane(), "dataplane: fast path ACK", fastAcks + sessions.size(),
                    Duration.ofSeconds(10));
            }
            finally
            {
                sessions.forEach(UdhcpcSession::close);
            }
            final long lane0 = host.counter("dataplane: lane 0 rx frames");
            final long lane1 = host.counter("dataplane: lane 1 rx frames");
            assertEquals(host.counter("dataplane: rx frames"), lane0 + lane1, host.counters().toString());
            assertEquals(0, host.counter("dataplane: dataplane errors"), host.dataplane().log());
        }
    }

    private static DvmcHost twoLaneHost(final Path dir, final NetnsLab lab) throws Exception
    {
        final List<DvmcHost.Port> ports = new ArrayList<>();
        final List<DvmcHost.Binding> bindings = new ArrayList<>();
        for (final NetnsLab.Vm vm : lab.vms())
        {
            final String port = "vm" + vm.index();
            ports.add(new DvmcHost.Port(port, lab.afPacketVdev(vm) + ",qpairs=2"));
            bindings.add(new DvmcHost.Binding(port, vm.mac(), vm.index() % 2 == 0 ? 100 : 200,
                UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()));
        }
        final DvmcHost host = new DvmcHost(dir, ports, bindings, lab.hostNs());
        host.lanes(2);
        return host;
    }
}
