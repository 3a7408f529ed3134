package io.dvmc.e2e;

import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.UdhcpcSession;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A lab's VMs on a host whose VM ports are {@code net_af_packet} vdevs on their veths, bound to domains 100 and 200 in
 * turn (the same subnet), and what real clients do through them.
 */
final class AfPacketVms
{
    private static final Duration BIND = Duration.ofSeconds(40);

    private AfPacketVms()
    {
    }

    /** A host for every VM of {@code lab}, with {@code lanes} lanes and as many queue pairs on each port. */
    static DvmcHost host(final Path dir, final NetnsLab lab, final int lanes) throws Exception
    {
        final List<DvmcHost.Port> ports = new ArrayList<>();
        final List<DvmcHost.Binding> bindings = new ArrayList<>();
        for (final NetnsLab.Vm vm : lab.vms())
        {
            final String port = "vm" + vm.index();
            ports.add(new DvmcHost.Port(port, lab.afPacketVdev(vm) + (lanes == 1 ? "" : ",qpairs=" + lanes)));
            bindings.add(new DvmcHost.Binding(port, vm.mac(), vm.index() % 2 == 0 ? 100 : 200,
                UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()));
        }
        final DvmcHost host = new DvmcHost(dir, ports, bindings, lab.hostNs());
        host.lanes(lanes);
        return host;
    }

    /**
     * A udhcpc per VM binds, then renews (unicast), each renewal keeping its address and answered by the dataplane's
     * fast path; the clients are stopped before this returns.
     *
     * @return each VM's lease, in the lab's order.
     */
    static List<Lease> bindAndRenew(final NetnsLab lab, final DhcpClients clients, final DvmcHost host)
        throws Exception
    {
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
            return bound;
        }
        finally
        {
            sessions.forEach(UdhcpcSession::close);
        }
    }
}
