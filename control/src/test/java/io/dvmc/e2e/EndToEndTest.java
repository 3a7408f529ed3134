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

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): real DHCP clients in network namespaces get their configuration through the DPDK dataplane
 * (net_af_packet on the VMs' veths), the host agent and the dvmc service.
 */
class EndToEndTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final String SERVER_IP = "10.0.0.1";

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc", "dhclient");
    }

    static DvmcHost host(final Path dir, final NetnsLab lab, final int... domains) throws Exception
    {
        final List<DvmcHost.Port> ports = new ArrayList<>();
        final List<DvmcHost.Binding> bindings = new ArrayList<>();
        for (final NetnsLab.Vm vm : lab.vms())
        {
            final String port = "vm" + vm.index();
            ports.add(new DvmcHost.Port(port, lab.afPacketVdev(vm)));
            bindings.add(new DvmcHost.Binding(port, vm.mac(), domains[vm.index() % domains.length],
                UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()));
        }
        return new DvmcHost(dir, ports, bindings, lab.hostNs());
    }

    @Test
    void udhcpcDhclientAndDhcpcdInTwoDomainsWithTheSameSubnetGetAddressRouterDnsAndMtuThroughDpdk() throws Exception
    {
        Prerequisites.requireCommands("dhcpcd", "unshare");
        try (NetnsLab lab = NetnsLab.create(5);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = host(dir, lab, 100, 100, 200, 200, 200))
        {
            host.start();
            final List<NetnsLab.Vm> vms = lab.vms();
            final Lease blueUdhcpc = clients.udhcpc(vms.get(0).ns(), vms.get(0).ifname(), BIND);
            final Lease blueDhclient = clients.dhclient(vms.get(1).ns(), vms.get(1).ifname(), BIND);
            final Lease redUdhcpc = clients.udhcpc(vms.get(2).ns(), vms.get(2).ifname(), BIND);
            final Lease redDhclient = clients.dhclient(vms.get(3).ns(), vms.get(3).ifname(), BIND);
            final Lease redDhcpcd = clients.dhcpcd(vms.get(4).ns(), vms.get(4).ifname(), BIND);

            assertAll(
                () -> assertDomain(blueUdhcpc, "10.0.0.53", 1450),
                () -> assertDomain(blueDhclient, "10.0.0.53", 1450),
                () -> assertDomain(redUdhcpc, "10.0.0.54", 1400),
                () -> assertDomain(redDhclient, "10.0.0.54", 1400),
                () -> assertDomain(redDhcpcd, "10.0.0.54", 1400),
                () -> assertNotEquals(redDhcpcd.ip(), redUdhcpc.ip(), "two VMs of one domain share an address"),
                () -> assertNotEquals(redDhcpcd.ip(), redDhclient.ip(), "two VMs of one domain share an address"),
                () -> assertNotEquals(blueUdhcpc.ip(), blueDhclient.ip(), "two VMs of one domain share an address"),
                () -> assertNotEquals(redUdhcpc.ip(), redDhclient.ip(), "two VMs of one domain share an address"),
                // Separate address spaces: each domain hands out its lowest free address first.
                () -> assertEquals(blueUdhcpc.ip(), redUdhcpc.ip(), "the domains do not have separate pools"));

            final String leases = host.ctl("leases", "--json");
            for (final NetnsLab.Vm vm : vms)
            {
                assertTrue(leases.contains("\"mac\":\"" + vm.mac() + "\""), vm.mac() + " not in " + leases);
            }
            assertEquals(vms.size(), leases.split("\"state\":\"BOUND\"", -1).length - 1, leases);
            for (final NetnsLab.Vm vm : vms)
            {
                final String port = "dataplane: port vm" + vm.index() + " ";
                assertTrue(host.counter(port + "rx DHCP") >= 2, port + "rx DHCP: " + host.counters());
                assertTrue(host.counter(port + "tx") >= 2, port + "tx: " + host.counters());
            }
            host.awaitCounter(host.dataplane(), "dataplane: port vm0 dpdk opackets", 2, Duration.ofSeconds(5));
        }
    }

    private static void assertDomain(final Lease lease, final String dns, final int mtu)
    {
        assertAll(lease.client() + " in " + lease.ns(),
            () -> assertTrue(lease.ip().startsWith("10.0.0.") &&
                Integer.parseInt(lease.ip().substring(7)) >= 100 && Integer.parseInt(lease.ip().substring(7)) <= 199,
                "address " + lease.ip() + " outside the pool"),
            () -> assertEquals("255.255.255.0", lease.mask()),
            () -> assertEquals(SERVER_IP, lease.router()),
            () -> assertEquals(List.of(dns), lease.dns()),
            () -> assertEquals(mtu, lease.mtu()),
            () -> assertEquals(600, lease.leaseSeconds()),
            () -> assertEquals(SERVER_IP, lease.serverId()));
    }

    @Test
    void anAcknowledgedLeaseSurvivesKillsOfAgentAndDataplaneAndItsUnicastRenewalIsAnsweredOnTheHost() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(2);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = host(dir, lab, 100))
        {
            host.start();
            final NetnsLab.Vm first = lab.vm(0);
            final NetnsLab.Vm second = lab.vm(1);
            try (UdhcpcSession session = clients.start(first.ns(), first.ifname()))
            {
                final Lease bound = session.awaitLease(BIND);

                host.agent().kill();
                host.startAgent();
                final Lease other = clients.udhcpc(second.ns(), second.ifname(), BIND);
                assertNotEquals(bound.ip(), other.ip());

                // A dataplane killed mid-read may leave a read lock: its successor's HELLO makes the agent check.
                host.dataplane().kill();
                host.startDataplane();
                host.awaitCounter(host.dataplane(), "dataplane: store hand-overs", 1, DvmcHost.START);
                // The restarted dataplane says where its start's time went.
                assertTrue(host.dataplane().log().matches("(?s).*started: EAL \\d+ ms, mbuf pool \\d+ ms, " +
                    "beside them files and stores \\d+ ms; then ports \\d+ ms.*"), host.dataplane().log());

                final long fastAcks = host.counter("dataplane: fast path ACK");
                session.renew();
                final Lease renewed = session.awaitEvent("renew", BIND).lease(first.ns());
                assertEquals(bound.ip(), renewed.ip(), "the renewal moved the VM");
                host.awaitCounter(host.dataplane(), "dataplane: fast path ACK", fastAcks + 1, Duration.ofSeconds(10));
                // RENEWING is unicast to the server: the VM asked for the virtual server's MAC first.
                assertTrue(host.counter("dataplane: ARP replies for virtual servers") >= 1, host.counters().toString());
            }
        }
    }
}
