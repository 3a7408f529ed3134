package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.lab.Await;
import io.dvmc.lab.DhcpCapture;
import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.InterfaceState;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.RunningClient;
import io.dvmc.lab.UdhcpcSession;
import io.dvmc.policy.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interoperability matrix (docs/conformance.md): udhcpc, dhclient, dhcpcd and systemd-networkd, each in its own
 * VM namespace and its own domain behind the DPDK dataplane, on 20 s leases, each go through a VM's whole life:
 * bind; renew at T1 by unicast to the virtual server; rebind by broadcast when unicast is blocked; reboot from the
 * client's own memory; decline an address another host on the link answers ARP for; release, after which the
 * address is free for another VM. Each checks, on its own interface and routing table, the domain's router, DNS,
 * MTU, search list and classless static routes. The four run side by side.
 */
class InteropMatrixTest
{
    /**
     * 20 s leases; dhclient's domain 40 s: dhclient backs its RENEWING retransmissions off by up to 3 s here
     * (initial-interval 1, backoff-cutoff 2) and on 20 s could step over the 2.5 s from T2 to expiry.
     */
    private static final int[] LEASE_SECONDS = {20, 40, 20, 20};
    private static final String SERVER = "10.0.0.1";
    private static final String ROUTE_GATEWAY = "10.0.0.2";
    private static final String BROADCAST = "255.255.255.255";
    private static final Duration BIND = Duration.ofSeconds(30);
    private static final Duration ON_THE_WIRE = Duration.ofSeconds(10);
    /** An RFC 5227 probe takes a few seconds, and a client may wait before it starts over after a DECLINE. */
    private static final Duration DECLINE = Duration.ofSeconds(60);
    private static final int FIRST_DOMAIN = 101;

    @TempDir
    Path dir;

    private enum Client
    {
        UDHCPC, DHCLIENT, DHCPCD, NETWORKD
    }

    @Test
    void everyClientBindsRenewsRebindsRebootsDeclinesAndReleasesWithItsDomainsOptionsOnItsOwnInterface()
        throws Exception
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc", "dhclient", "dhcpcd", "unshare", "tcpdump", "nft", "busybox");
        Prerequisites.require("systemd-networkd (apt-get install systemd)",
            java.nio.file.Files.isExecutable(Path.of("/lib/systemd/systemd-networkd")));
        final Client[] matrix = Client.values();
        // VMs 0-3 run the clients, VMs 4-7 (same domains) take a released address; one domain per client.
        try (NetnsLab lab = NetnsLab.create(2 * matrix.length);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = EndToEndTest.host(dir, lab, FIRST_DOMAIN, FIRST_DOMAIN + 1, FIRST_DOMAIN + 2,
                FIRST_DOMAIN + 3))
        {
            final List<String> domains = new ArrayList<>();
            for (int i = 0; i < matrix.length; i++)
            {
                domains.add(domainJson(i));
            }
            host.domains(domains);
            host.start();
            final ExecutorService pool = Executors.newFixedThreadPool(matrix.length);
            try
            {
                final List<CompletableFuture<Void>> lives = new ArrayList<>();
                for (int i = 0; i < matrix.length; i++)
                {
                    final int n = i;
                    lives.add(CompletableFuture.runAsync(
                        () -> lifeOf(matrix[n], n, lab, clients, lab.vm(n), lab.vm(n + matrix.length)), pool));
                }
                final List<org.junit.jupiter.api.function.Executable> outcomes = new ArrayList<>();
                for (int i = 0; i < matrix.length; i++)
                {
                    final CompletableFuture<Void> life = lives.get(i);
                    final Client client = matrix[i];
                    outcomes.add(() -> outcome(client, life, host));
                }
                assertAll(outcomes);
            }
            finally
            {
                pool.shutdownNow();
            }
            // Every renewal at T1 was answered by the dataplane alone.
            assertTrue(host.counter("dataplane: fast path ACK") >= matrix.length, host.counters().toString());
        }
    }

    private static void outcome(final Client client, final CompletableFuture<Void> life, final DvmcHost host)
        throws Throwable
    {
        try
        {
            life.get();
        }
        catch (final ExecutionException e)
        {
            throw new AssertionError(client + ": " + e.getCause().getMessage() + "\n" + host.logs(), e.getCause());
        }
    }

    /** Domain {@code FIRST_DOMAIN + i}: options of its own, so that a client can only show them if they are its. */
    private static String domainJson(final int i)
    {
        return String.format(
            "{ \"id\": %d, \"name\": \"c%d\", \"subnet\": \"10.0.0.0/24\", \"router\": \"%s\"," +
                " \"pools\": [ { \"start\": \"10.0.0.100\", \"end\": \"10.0.0.199\" } ]," +
                " \"dns\": [ \"10.0.%d.53\", \"10.0.%d.54\" ], \"domainName\": \"c%d.example\"," +
                " \"searchList\": [ \"c%d.example\", \"lab.example\" ], \"mtu\": %d," +
                " \"staticRoutes\": [ { \"destination\": \"192.168.%d.0/24\", \"gateway\": \"%s\" } ]," +
                " \"leaseSeconds\": %d, \"hostLeaseSeconds\": %d }",
            FIRST_DOMAIN + i, i, SERVER, i, i, i, i, mtu(i), i, ROUTE_GATEWAY, LEASE_SECONDS[i], 4 * LEASE_SECONDS[i]);
    }

    private static int mtu(final int i)
    {
        return 1400 + 10 * i;
    }

    private static void lifeOf(final Client client, final int i, final NetnsLab lab, final DhcpClients clients,
        final NetnsLab.Vm vm, final NetnsLab.Vm other)
    {
        final List<RunningClient> started = new ArrayList<>();
        try
        {
            life(client, i, lab, clients, vm, other, started);
        }
        catch (final AssertionError | RuntimeException e)
        {
            throw new AssertionError(e.getMessage() + "\n--- " + client + " output ---\n" +
                (started.isEmpty() ? "" : started.getLast().output()), e);
        }
    }

    private static void life(final Client client, final int i, final NetnsLab lab, final DhcpClients clients,
        final NetnsLab.Vm vm, final NetnsLab.Vm other, final List<RunningClient> started)
    {
        // T1 is half the lease (RFC 2131 §4.4.5) from the bind, T2 7/8 of it from the last renewal.
        final Duration untilT1 = Duration.ofSeconds(LEASE_SECONDS[i]);
        final Duration untilT2 = Duration.ofSeconds(LEASE_SECONDS[i] + 10);
        final DhcpCapture wire = DhcpCapture.start(lab, vm);
        final String serverMac = Addresses.mac(Domain.defaultServerMac(FIRST_DOMAIN + i));

        // Bind, and the domain's options on the VM's own interface, routing table and resolver.
        RunningClient running = start(client, i, lab, clients, vm, null, false);
        started.add(running);
        final Lease bound = running.awaitLease(l -> true, BIND);
        final String address = bound.ip();
        assertOptions(client, i, bound, running, vm);

        // RENEWING at T1: unicast to the virtual server, answered by unicast to the client's address (§4.1).
        final DhcpCapture.Frame renewal = wire.await("unicast RENEWING REQUEST", -1,
            request(address).and(f -> SERVER.equals(f.ipDst()) && serverMac.equals(f.ethDst())), untilT1);
        final DhcpCapture.Frame renewed = wire.await("ACK of the renewal", renewal.index(),
            ack(address).and(f -> address.equals(f.ipDst())), ON_THE_WIRE);

        // REBINDING: unicast to the server blocked, the client broadcasts a REQUEST without server id (§4.3.2).
        lab.blockUnicast(vm, SERVER, 67);
        final DhcpCapture.Frame rebinding = wire.await("broadcast REBINDING REQUEST", renewed.index(),
            request(address).and(f -> BROADCAST.equals(f.ipDst()) && f.ethBroadcast() && f.serverId() == null),
            untilT2);
        final DhcpCapture.Frame rebound = wire.await("ACK of the rebinding", rebinding.index(), ack(address),
            ON_THE_WIRE);
        assertTrue(lab.blockedFrames(vm) > 0, client + ": rebound without having tried unicast");
        lab.unblockUnicast(vm);
        if (client == Client.DHCLIENT || client == Client.DHCPCD)
        {
            // They reboot from their lease file, written before they report the rebinding: on a busy machine the ACK
            // is on the wire seconds before, and a crash in between left an expired lease and a DISCOVER. The
            // renewal's report comes first; dhclient reports its rebinding as a renewal too.
            running.awaitLease(l -> true, ON_THE_WIRE);
            running.awaitLease(l -> true, ON_THE_WIRE);
        }

        // Reboot: the VM goes down hard and comes back with the client's memory of its lease.
        running.crash();
        if (client != Client.NETWORKD)
        {
            lab.exec(vm.ns(), "ip", "-4", "addr", "flush", "dev", vm.ifname());
        }
        final int beforeReboot = wire.frames().size() - 1;
        running = start(client, i, lab, clients, vm, address, false);
        started.add(running);
        final Lease rebooted = running.awaitLease(l -> true, BIND);
        assertEquals(address, rebooted.ip(), client + ": reboot moved the VM");
        if (client == Client.UDHCPC)
        {
            // busybox udhcpc keeps no lease: it asks for its address (-r) in a DISCOVER.
            wire.await("DISCOVER asking for the old address", beforeReboot,
                f -> f.type() == DhcpMessageType.DISCOVER && address.equals(f.requested()), ON_THE_WIRE);
        }
        else
        {
            // INIT-REBOOT (§4.3.2): option 50, no ciaddr, no server identifier.
            wire.await("INIT-REBOOT REQUEST", beforeReboot, f -> f.type() == DhcpMessageType.REQUEST &&
                address.equals(f.requested()) && "0.0.0.0".equals(f.ciaddr()) && f.serverId() == null, ON_THE_WIRE);
        }
        assertOptions(client, i, rebooted, running, vm);

        // Decline: another host now answers ARP for the address; the client's probe finds it and DECLINEs (§4.4.1).
        running.crash();
        lab.exec(vm.ns(), "ip", "-4", "addr", "flush", "dev", vm.ifname());
        lab.addSquatter(vm, address + "/24");
        final int beforeDecline = wire.frames().size() - 1;
        running = start(client, i, lab, clients, vm, address, true);
        started.add(running);
        final Lease moved;
        if (client == Client.NETWORKD)
        {
            // systemd 252 finds the conflict (RFC 5227) and drops the address, but sends its DECLINE by UDP after
            // the address is gone ("Network is unreachable"): no DECLINE reaches the wire (docs/conformance.md).
            final RunningClient probing = running;
            Await.until("networkd to find the conflict on " + address, DECLINE,
                () -> probing.output().contains("Conflict on " + address));
            assertTrue(wire.frames().stream().noneMatch(f -> f.index() > beforeDecline &&
                f.type() == DhcpMessageType.DECLINE), client + " sends its DECLINE now: update docs/conformance.md");
            // Without the probe, and without keeping its lease on stop: the release below is networkd's own.
            running.crash();
            running = clients.startNetworkd(vm.ns(), vm.ifname(), false, false);
            started.add(running);
            moved = running.awaitLease(l -> true, BIND);
        }
        else
        {
            final DhcpCapture.Frame decline = wire.await("DECLINE", beforeDecline,
                f -> f.type() == DhcpMessageType.DECLINE && address.equals(f.requested()), DECLINE);
            // dhcpcd leaves the server identifier out of a DECLINE after INIT-REBOOT (docs/conformance.md).
            assertEquals(client == Client.DHCPCD ? null : SERVER, decline.serverId(), client + ": DECLINE's server id");
            moved = running.awaitLease(l -> !address.equals(l.ip()), DECLINE);
            assertNotEquals(address, moved.ip());
            assertOptions(client, i, moved, running, vm);
        }

        // Release: the RELEASE reaches the service, and the address is another VM's for the asking. Every client
        // removes its address right after handing its unicast RELEASE to the kernel, and the kernel drops a datagram
        // still waiting for ARP when the address goes. Losing its address flushed the VM's neighbours, so the VM
        // first learns the server's MAC again, as a VM whose lease is in use knows it from its renewals.
        lab.resolveNeighbor(vm, SERVER, serverMac, ON_THE_WIRE);
        final int beforeRelease = wire.frames().size() - 1;
        running.release();
        final DhcpCapture.Frame release = wire.await("RELEASE", beforeRelease,
            f -> f.type() == DhcpMessageType.RELEASE && moved.ip().equals(f.ciaddr()), ON_THE_WIRE);
        assertEquals(SERVER, release.ipDst(), client + ": RELEASE not unicast to the server");
        try (UdhcpcSession taker = clients.startUdhcpc(other.ns(), other.ifname(), "-r", moved.ip()))
        {
            assertEquals(moved.ip(), taker.awaitLease(BIND).ip(), client + ": the released address is not free");
        }
    }

    /** Starts {@code client} on {@code vm}; {@code address}: the VM's address, for a client that keeps no lease. */
    private static RunningClient start(final Client client, final int i, final NetnsLab lab, final DhcpClients clients,
        final NetnsLab.Vm vm, final String address, final boolean arpCheck)
    {
        final Path memory = lab.workDir().resolve("client-memory-" + i);
        return switch (client)
        {
            case UDHCPC -> {
                final List<String> args = new ArrayList<>();
                if (address != null)
                {
                    args.addAll(List.of("-r", address));
                }
                if (arpCheck)
                {
                    args.add("-a");
                }
                yield clients.startUdhcpc(vm.ns(), vm.ifname(), args.toArray(String[]::new));
            }
            case DHCLIENT -> clients.startDhclient(vm.ns(), vm.ifname(), memory, arpCheck);
            case DHCPCD -> {
                try
                {
                    java.nio.file.Files.createDirectories(memory);
                }
                catch (final java.io.IOException e)
                {
                    throw new java.io.UncheckedIOException(e);
                }
                yield clients.startDhcpcd(vm.ns(), vm.ifname(), memory, arpCheck);
            }
            case NETWORKD -> clients.startNetworkd(vm.ns(), vm.ifname(), arpCheck, true);
        };
    }

    /** What the client was told, and what it made of it on its interface, routes and resolver. */
    private static void assertOptions(final Client client, final int i, final Lease lease,
        final RunningClient running, final NetnsLab.Vm vm)
    {
        final String net = "192.168." + i + ".0/24";
        final List<String> dns = List.of("10.0." + i + ".53", "10.0." + i + ".54");
        final List<String> search = List.of("c" + i + ".example", "lab.example");
        final InterfaceState state = InterfaceState.read(vm.ns(), vm.ifname());
        final RunningClient.Resolver resolver = running.resolver();
        assertAll(client + " in " + vm.ns(),
            () -> assertEquals(24, lease.prefix(), "lease: prefix"),
            () -> assertEquals(SERVER, lease.router(), "lease: router"),
            () -> assertEquals(mtu(i), lease.mtu(), "lease: MTU"),
            () -> assertEquals(LEASE_SECONDS[i], lease.leaseSeconds(), "lease: lease time"),
            () -> assertEquals(SERVER, lease.serverId(), "lease: server identifier"),
            () -> assertEquals(search, lease.searchList(), "lease: search list"),
            () -> assertTrue(lease.classlessRoutes().contains(net + " via " + ROUTE_GATEWAY),
                "lease: classless routes " + lease.classlessRoutes()),
            () -> assertEquals(List.of(lease.ip() + "/24"), state.addresses(), "interface: addresses"),
            () -> assertEquals(mtu(i), state.mtu(), "interface: MTU"),
            () -> assertEquals(SERVER, state.defaultRouter(), "routing table: default route"),
            () -> assertTrue(state.gatewayRoutes().contains(net + " via " + ROUTE_GATEWAY),
                "routing table: " + state.gatewayRoutes()),
            () -> assertEquals(dns, resolver.nameservers(), "resolver: servers"),
            () -> assertTrue(resolver.search().containsAll(search), "resolver: search " + resolver.search()));
    }

    private static Predicate<DhcpCapture.Frame> request(final String ciaddr)
    {
        return f -> f.type() == DhcpMessageType.REQUEST && ciaddr.equals(f.ciaddr());
    }

    private static Predicate<DhcpCapture.Frame> ack(final String yiaddr)
    {
        return f -> f.type() == DhcpMessageType.ACK && yiaddr.equals(f.yiaddr());
    }
}
