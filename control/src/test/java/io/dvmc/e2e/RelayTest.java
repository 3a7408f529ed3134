package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.lab.Await;
import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Dnsmasq;
import io.dvmc.lab.Exec;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.TenantServer;
import io.dvmc.lab.UdhcpcSession;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): a relay domain's VM, behind the DPDK dataplane, is configured by its tenant's own DHCP server, which
 * runs in a tenant namespace that only the dvmc service reaches, over a link of its own (patent FIG. 3). The VM's
 * broadcast never leaves the host: the agent speaks DVMC to the service, the service relays (giaddr, option 82,
 * RFC 3527 link selection) and translates the answer back.
 */
class RelayTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final Duration ON_THE_WIRE = Duration.ofSeconds(15);
    private static final String SERVER_IP = "10.0.0.1";
    private static final int DOMAIN = 300;
    private static final int TENANT_LEASE_SECONDS = 120;

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc", "dnsmasq", "unshare");
    }

    @Test
    void aVmGetsAddressRouterAndDnsFromTheTenantsDnsmasqAndRenewsAndReleasesThroughTheRelay() throws Exception
    {
        bindRenewAndReleaseThroughTheRelay(null);
    }

    @Test
    void aVmGetsAddressRouterAndDnsFromTheTenantsKeaAndRenewsAndReleasesThroughTheRelay() throws Exception
    {
        Prerequisites.requireCommands("kea-dhcp4");
        bindRenewAndReleaseThroughTheRelay(TenantServer.Kind.KEA);
    }

    @Test
    void aVmGetsAddressRouterAndDnsFromTheTenantsIscDhcpdAndRenewsAndReleasesThroughTheRelay() throws Exception
    {
        Prerequisites.requireCommands("dhcpd");
        bindRenewAndReleaseThroughTheRelay(TenantServer.Kind.ISC_DHCPD);
    }

    /**
     * One VM's life against one tenant server ({@code kind}, or dnsmasq for null): bound with the tenant's router, DNS
     * and lease time on its own interface, its VM id in the tenant's record of the lease (option 82), renewed early
     * by the host with the tenant's options (the tenant sees renewals past its T1:
     * {@link #aVmRenewingBeforeTheTenantsT1IsAnsweredOnTheHostAndPastItThroughTheRelay}), released in the tenant's
     * leases.
     */
    private void bindRenewAndReleaseThroughTheRelay(final TenantServer.Kind kind) throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final String vmId = UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString();
            final NetnsLab.Vm link = tenantLink(lab);
            try (Tenant tenant = startTenant(kind, link);
                DvmcHost host = relayHost(lab, vm, vmId))
            {
                host.start();
                try (UdhcpcSession session = clients.start(vm.ns(), vm.ifname()))
                {
                    final Lease bound = session.awaitLease(BIND);
                    assertAll("the VM's lease, as its client applied it",
                        () -> assertTrue(bound.ip().startsWith("10.0.0.1"), bound.ip()),
                        () -> assertEquals("255.255.255.0", bound.mask()),
                        () -> assertEquals("10.0.0.254", bound.router(), "the tenant's router"),
                        () -> assertEquals(List.of("10.0.0.53"), bound.dns(), "the tenant's DNS"),
                        () -> assertTrue(bound.leaseSeconds() <= TENANT_LEASE_SECONDS &&
                            bound.leaseSeconds() >= TENANT_LEASE_SECONDS - 5, "lease " + bound.leaseSeconds()),
                        () -> assertEquals(SERVER_IP, bound.serverId(), "the domain's virtual server"));
                    assertTrue(lab.exec(vm.ns(), "ip", "-4", "addr", "show", "dev", vm.ifname()).output()
                        .contains(bound.ip() + "/24"), "the address is not on the VM's interface");
                    Await.until("the tenant's lease of " + bound.ip() + " with the VM id in option 82", ON_THE_WIRE,
                        () -> tenant.recordsAgentInformation(bound.ip(), vmId), () -> tenant.recordOf(bound.ip()));

                    // Well inside the tenant's lease the host answers the renewal itself, as the tenant did.
                    final long acksBefore = tenant.acks();
                    final long relayedBefore = host.counter("service: relay relayed");
                    session.renew();
                    final Lease renewed = session.awaitEvent("renew", BIND).lease(vm.ns());
                    host.awaitReplies("dataplane: fast path ACK of a relay domain", 1);
                    assertAll("the renewal, answered on the host with the tenant's lease and options",
                        () -> assertEquals(bound.ip(), renewed.ip(), "the renewal moved the VM"),
                        () -> assertEquals("10.0.0.254", renewed.router(), "the tenant's router"),
                        () -> assertEquals(List.of("10.0.0.53"), renewed.dns(), "the tenant's DNS"),
                        () -> assertEquals(SERVER_IP, renewed.serverId(), "the domain's virtual server"),
                        () -> assertTrue(renewed.leaseSeconds() <= bound.leaseSeconds(), "lease " +
                            renewed.leaseSeconds() + " outlives the tenant's " + bound.leaseSeconds()),
                        () -> assertEquals(1, host.counter("dataplane: fast path ACK of a relay domain")),
                        () -> assertEquals(relayedBefore, host.counter("service: relay relayed"), "relayed"),
                        () -> assertEquals(acksBefore, tenant.acks(), "the tenant server answered"));

                    session.release();
                    Await.until("the release in the tenant's leases", ON_THE_WIRE, () -> tenant.released(bound.ip()),
                        () -> tenant.recordOf(bound.ip()));
                }
                // The tenant may record the RELEASE before the service, which counts after its batch is sent, has.
                host.awaitCounter(host.service(), "service: relay relayed", 3, ON_THE_WIRE);
                assertEquals(0, host.counter("service: relay timed out"), host.counters().toString());
            }
        }
    }

    /**
     * The tenant's lease governs the fast path: a renewal in the first half of the tenant's lease (before its T1, as
     * the host counts it) is answered on the host with the tenant's options and what is left of its lease; a renewal
     * past the tenant's T1 goes to the tenant server. Prints both renewal times.
     */
    @Test
    void aVmRenewingBeforeTheTenantsT1IsAnsweredOnTheHostAndPastItThroughTheRelay() throws Exception
    {
        Prerequisites.requireCommands("kea-dhcp4");
        final int leaseSeconds = 40;
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final NetnsLab.Vm link = tenantLink(lab);
            try (TenantServer kea = TenantServer.start(TenantServer.Kind.KEA, link.ns(), new TenantServer.Config(
                link.ifname(), "198.18.0.0", "10.0.0.0", "10.0.0.100", "10.0.0.199",
                Duration.ofSeconds(leaseSeconds), "10.0.0.254", List.of("10.0.0.53")), ON_THE_WIRE);
                DvmcHost host = relayHost(lab, vm, UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()))
            {
                host.start();
                final Tenant tenant = keaTenant(kea);
                try (UdhcpcSession session = clients.start(vm.ns(), vm.ifname()))
                {
                    final Lease bound = session.awaitLease(BIND);
                    final long boundAt = System.nanoTime();

                    // A quarter into the tenant's lease: the VM's T1 after the host's answer falls well past the
                    // tenant's, leaving room for the renewal below.
                    awaitSinceBound(boundAt, leaseSeconds * 250L);
                    final long relayedBefore = host.counter("service: relay relayed");
                    final long acksBefore = tenant.acks();
                    long start = System.nanoTime();
                    session.renew();
                    final Lease early = session.awaitEvent("renew", BIND).lease(vm.ns());
                    final long fastMs = (System.nanoTime() - start) / 1_000_000;
                    host.awaitReplies("dataplane: fast path ACK of a relay domain", 1);
                    assertAll("a renewal before the tenant's T1, answered on the host",
                        () -> assertEquals(bound.ip(), early.ip()),
                        () -> assertEquals("10.0.0.254", early.router(), "the tenant's router"),
                        () -> assertEquals(List.of("10.0.0.53"), early.dns(), "the tenant's DNS"),
                        () -> assertEquals(SERVER_IP, early.serverId(), "the domain's virtual server"),
                        () -> assertTrue(early.leaseSeconds() <= leaseSeconds * 3 / 4 &&
                            early.leaseSeconds() >= leaseSeconds * 3 / 4 - 3,
                            "lease " + early.leaseSeconds() + ": not what is left of the tenant's"),
                        () -> assertEquals(1, host.counter("dataplane: fast path ACK of a relay domain")),
                        () -> assertEquals(relayedBefore, host.counter("service: relay relayed"), "relayed"),
                        () -> assertEquals(acksBefore, tenant.acks(), "the tenant server answered"));

                    // Past the tenant's T1 and before the VM's own: the VM's renewal goes to the tenant.
                    awaitSinceBound(boundAt, leaseSeconds * 550L);
                    start = System.nanoTime();
                    session.renew();
                    final Lease late = session.awaitEvent("renew", BIND).lease(vm.ns());
                    final long relayedMs = (System.nanoTime() - start) / 1_000_000;
                    assertAll("a renewal past the tenant's T1, answered by the tenant",
                        () -> assertEquals(bound.ip(), late.ip()),
                        () -> assertTrue(late.leaseSeconds() >= leaseSeconds - 3, "lease " + late.leaseSeconds()),
                        () -> assertEquals(1, host.counter("dataplane: fast path ACK of a relay domain")),
                        () -> assertEquals(relayedBefore + 1, host.counter("service: relay relayed"), "relayed"),
                        () -> assertTrue(tenant.acks() > acksBefore, "the tenant server did not answer"));
                    System.out.println("udhcpc renewal (SIGUSR1 to the script's renew event): answered on the host " +
                        fastMs + " ms, through the relay to Kea " + relayedMs + " ms");
                }
            }
        }
    }

    /** Returns once {@code millis} have passed since {@code boundAt} (nanoTime): the tenant's lease timers. */
    private static void awaitSinceBound(final long boundAt, final long millis)
    {
        Await.until(millis + " ms into the tenant's lease", Duration.ofMillis(millis + 1_000),
            () -> System.nanoTime() - boundAt >= millis * 1_000_000);
    }

    @Test
    void twoRelayTenantsAndABuiltinDomainHandOutTheSameAddressSideBySideEachWithItsOwnOptions() throws Exception
    {
        Prerequisites.requireCommands("kea-dhcp4");
        try (NetnsLab lab = NetnsLab.create(3);
            DhcpClients clients = new DhcpClients(true))
        {
            final List<NetnsLab.Vm> vms = List.copyOf(lab.vms());
            final NetnsLab.Vm linkA = tenantLink(lab, 0);
            final NetnsLab.Vm linkB = tenantLink(lab, 1);
            // Each server has one address to give, the builtin domain one too: the same 10.0.0.100 for all three.
            try (Dnsmasq a = Dnsmasq.start(linkA.ns(), new Dnsmasq.Config(linkA.ifname(), "10.0.0.100", "10.0.0.100",
                "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254", List.of("10.0.0.53"), 0,
                List.of()), ON_THE_WIRE);
                TenantServer b = TenantServer.start(TenantServer.Kind.KEA, linkB.ns(), new TenantServer.Config(
                    linkB.ifname(), "198.18.1.0", "10.0.0.0", "10.0.0.100", "10.0.0.100",
                    Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.253", List.of("10.0.0.54")), ON_THE_WIRE);
                DvmcHost host = new DvmcHost(dir, ports(lab, vms), List.of(
                    binding(vms.get(0), 301), binding(vms.get(1), 302), binding(vms.get(2), 100)), lab.hostNs()))
            {
                host.runAllInNetns();
                host.domains(List.of(relayDomain(301, "tenant-a", relayAddress(0), tenantServer(0)),
                    relayDomain(302, "tenant-b", relayAddress(1), tenantServer(1)),
                    "{ \"id\": 100, \"name\": \"builtin\", \"subnet\": \"10.0.0.0/24\", \"router\": \"10.0.0.1\"," +
                        " \"pools\": [ { \"start\": \"10.0.0.100\", \"end\": \"10.0.0.100\" } ]," +
                        " \"dns\": [ \"10.0.0.55\" ], \"leaseSeconds\": 600 }"));
                host.start();

                final Lease inA = clients.udhcpc(vms.get(0).ns(), vms.get(0).ifname(), BIND);
                final Lease inB = clients.udhcpc(vms.get(1).ns(), vms.get(1).ifname(), BIND);
                final Lease builtin = clients.udhcpc(vms.get(2).ns(), vms.get(2).ifname(), BIND);

                assertAll(
                    () -> assertEquals("10.0.0.100", inA.ip()),
                    () -> assertEquals("10.0.0.100", inB.ip()),
                    () -> assertEquals("10.0.0.100", builtin.ip()),
                    () -> assertEquals(List.of("10.0.0.53", "10.0.0.254"), List.of(inA.dns().get(0), inA.router()),
                        "tenant A's VM got another domain's answer"),
                    () -> assertEquals(List.of("10.0.0.54", "10.0.0.253"), List.of(inB.dns().get(0), inB.router()),
                        "tenant B's VM got another domain's answer"),
                    () -> assertEquals(List.of("10.0.0.55", "10.0.0.1"), List.of(builtin.dns().get(0),
                        builtin.router()), "the builtin domain's VM got a tenant's answer"),
                    () -> assertTrue(a.leases().stream().anyMatch(l -> l.contains(" 10.0.0.100 ")), "tenant A"),
                    () -> assertTrue(b.leases().contains("10.0.0.100,"), "tenant B"));
                assertEquals(0, host.counter("service: relay unmatched") + host.counter("service: relay wrong client"),
                    host.counters().toString());
            }
        }
    }

    /**
     * Two replicas of the service on one machine, each the first service of one of two relay domains: each relays,
     * from a relay address of its own (the first holds 198.18.0.1, so the second binds 198.18.0.3), and each gets its
     * tenant's answers back at its giaddr; no agent is turned away with a NAK.
     */
    @Test
    void everyServiceReplicaOfARelayDomainRelaysFromARelayAddressOfItsOwn() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(2);
            DhcpClients clients = new DhcpClients(true))
        {
            final List<NetnsLab.Vm> vms = List.copyOf(lab.vms());
            final NetnsLab.Vm link = tenantLink(lab);
            lab.exec(lab.hostNs(), "ip", "addr", "add", "198.18.0.3/24", "dev", link.hostIf()).check();
            try (Dnsmasq dnsmasq = Dnsmasq.start(link.ns(), new Dnsmasq.Config(link.ifname(), "10.0.0.100",
                "10.0.0.199", "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254",
                List.of("10.0.0.53"), 0, List.of()), ON_THE_WIRE);
                DvmcHost host = new DvmcHost(dir, ports(lab, vms), List.of(binding(vms.get(0), 301),
                    binding(vms.get(1), 302)), lab.hostNs()))
            {
                host.runAllInNetns();
                final String first = "\"127.0.0.1:" + host.servicePort() + "\"";
                final String second = "\"127.0.0.1:" + host.replicaPort() + "\"";
                host.domains(List.of(replicatedRelayDomain(301, first + ", " + second),
                    replicatedRelayDomain(302, second + ", " + first)));
                final var replica = host.startReplica();
                host.start();

                final Lease a = clients.udhcpc(vms.get(0).ns(), vms.get(0).ifname(), BIND);
                final Lease b = clients.udhcpc(vms.get(1).ns(), vms.get(1).ifname(), BIND);

                assertAll(
                    () -> assertEquals("10.0.0.254", a.router(), "VM of the first service's domain"),
                    () -> assertEquals("10.0.0.254", b.router(), "VM of the replica's domain"),
                    () -> assertTrue(host.counter("service: relay relayed") >= 2, host.counters().toString()),
                    () -> assertTrue(host.counter("replica: relay relayed") >= 2, host.counters().toString()),
                    () -> assertEquals(0, host.counter("service: relay unavailable") +
                        host.counter("replica: relay unavailable") + host.counter("agent: DVMC NAK received"),
                        host.counters().toString()),
                    () -> assertEquals(0, host.counter("service: relay unmatched") +
                        host.counter("replica: relay unmatched"), host.counters().toString()),
                    () -> assertTrue(replica.log().contains("relaying from 198.18.0.3:67"), replica.log()),
                    () -> assertTrue(host.service().log().contains("relaying from 198.18.0.1:67"),
                        host.service().log()));
            }
        }
    }

    /** A relay domain of two relay addresses, 198.18.0.1 and .3, served by {@code services} in that order. */
    private static String replicatedRelayDomain(final int id, final String services)
    {
        return String.format("{ \"id\": %d, \"name\": \"tenant-%d\", \"subnet\": \"10.0.0.0/24\"," +
            " \"serverIp\": \"%s\", \"mode\": \"relay\", \"relayServers\": [ \"%s\" ]," +
            " \"relayAddresses\": [ \"198.18.0.1\", \"198.18.0.3\" ], \"linkSelection\": true," +
            " \"services\": [ %s ] }", id, id, SERVER_IP, tenantServer(0), services);
    }

    @Test
    void aVmRebootsThroughTheRelayWithTheAddressItRemembersAndTheTenantAcknowledgesIt() throws Exception
    {
        Prerequisites.requireCommands("dhclient");
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final NetnsLab.Vm link = tenantLink(lab);
            final Path leaseFile = dir.resolve("dhclient.leases");
            try (Dnsmasq dnsmasq = Dnsmasq.start(link.ns(), new Dnsmasq.Config(link.ifname(), "10.0.0.100",
                "10.0.0.199", "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254",
                List.of("10.0.0.53"), 0, List.of()), ON_THE_WIRE);
                DvmcHost host = relayHost(lab, vm, UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()))
            {
                host.start();
                final UdhcpcSession first = clients.startDhclient(vm.ns(), vm.ifname(), leaseFile, false);
                final Lease bound = first.awaitLease(BIND);
                // What the VM remembers across the reboot is its lease file: crashed before writing it, dhclient
                // would rightly start over with a DISCOVER.
                Await.until("dhclient to write its lease file", ON_THE_WIRE, () -> leaseFileHolds(leaseFile,
                    bound.ip()));
                first.crash();
                lab.exec(vm.ns(), "ip", "-4", "addr", "flush", "dev", vm.ifname());
                final long discovers = dnsmasq.log().lines().filter(l -> l.contains("DHCPDISCOVER(")).count();

                final UdhcpcSession rebooted = clients.startDhclient(vm.ns(), vm.ifname(), leaseFile, false);
                final Lease again = rebooted.awaitLease(l -> true, BIND);

                assertEquals(bound.ip(), again.ip(), "the reboot moved the VM");
                assertEquals("10.0.0.254", again.router());
                // INIT-REBOOT (RFC 2131 §4.3.2): a REQUEST for the remembered address, acknowledged with no DISCOVER.
                assertEquals(discovers, dnsmasq.log().lines().filter(l -> l.contains("DHCPDISCOVER(")).count(),
                    dnsmasq.log());
                assertTrue(dnsmasq.log().lines().anyMatch(l -> l.contains("DHCPREQUEST(") && l.contains(bound.ip())));
            }
        }
    }

    private static boolean leaseFileHolds(final Path leaseFile, final String address)
    {
        try
        {
            return Files.exists(leaseFile) && Files.readString(leaseFile).contains("fixed-address " + address + ";");
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
    }

    @Test
    void aVmWhoseTenantServerStoppedHearsNoNakAndKeepsItsAddressUntilItsOwnLeaseTimersLetItGo() throws Exception
    {
        Prerequisites.requireCommands("kea-dhcp4");
        final int leaseSeconds = 30;
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final NetnsLab.Vm link = tenantLink(lab);
            try (TenantServer kea = TenantServer.start(TenantServer.Kind.KEA, link.ns(), new TenantServer.Config(
                link.ifname(), "198.18.0.0", "10.0.0.0", "10.0.0.100", "10.0.0.199",
                Duration.ofSeconds(leaseSeconds), "10.0.0.254", List.of("10.0.0.53")), ON_THE_WIRE);
                DvmcHost host = relayHost(lab, vm, UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()))
            {
                host.start();
                try (UdhcpcSession session = clients.start(vm.ns(), vm.ifname()))
                {
                    final Lease bound = session.awaitLease(BIND);
                    final long boundAt = System.nanoTime();
                    kea.stop();

                    // Past T1 the VM renews, unanswered: the host relays each try and times out, the VM keeps its address.
                    host.awaitCounter(host.service(), "service: relay timed out", 1, Duration.ofSeconds(leaseSeconds));
                    assertTrue(lab.exec(vm.ns(), "ip", "-4", "addr", "show", "dev", vm.ifname()).output()
                        .contains(bound.ip() + "/24"), "the VM lost its address before its lease ended");

                    // The client lets go by its own timers as its lease runs out, never told to by a NAK: busybox
                    // udhcpc, past T1 (RFC 2131 §4.4.5) without an answer, rebinds with halving waits and gives up
                    // a few seconds before the end of a short lease.
                    // udhcpc deconfigures once as it starts: the second deconfig is the lease lost.
                    Await.until("the VM letting go of its address", Duration.ofSeconds(2L * leaseSeconds),
                        () -> session.events().stream().filter(e -> e.name().equals("deconfig")).count() >= 2);
                    final long heldMs = (System.nanoTime() - boundAt) / 1_000_000;
                    assertTrue(heldMs >= bound.leaseSeconds() * 500L + 2_000 &&
                        session.output().contains("lease lost"),
                        "the address went after " + heldMs + " ms of a " + bound.leaseSeconds() + " s lease: " +
                            session.events() + "\n" + session.output());
                    assertTrue(session.events().stream().noneMatch(e -> e.name().equals("nak")),
                        "the VM was sent a DHCPNAK: " + session.events());
                    assertEquals(0, host.counter("agent: DVMC NAK received"), host.counters().toString());
                }
            }
        }
    }

    /**
     * The relay's cost as a VM sees it: udhcpc binds through dataplane, agent, service and relay to dnsmasq, and the
     * same udhcpc binds from the host's end of the tenant link straight to the same dnsmasq, alternately, in one run.
     */
    @Test
    void aClientBindsThroughTheRelayWithinASecondOfTheSameClientTalkingToTheTenantServerDirectly() throws Exception
    {
        final int runs = 5;
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DhcpClients direct = new DhcpClients(false))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final NetnsLab.Vm link = tenantLink(lab);
            try (Dnsmasq dnsmasq = Dnsmasq.start(link.ns(), new Dnsmasq.Config(link.ifname(), "10.0.0.100",
                "10.0.0.199", "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254",
                List.of("10.0.0.53"), 0, List.of("--dhcp-range=198.18.0.50,198.18.0.60,255.255.255.0,120")),
                ON_THE_WIRE);
                DvmcHost host = relayHost(lab, vm, UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString()))
            {
                host.start();
                final long[] relayed = new long[runs];
                final long[] straight = new long[runs];
                for (int i = 0; i < runs; i++)
                {
                    long start = System.nanoTime();
                    clients.udhcpc(vm.ns(), vm.ifname(), BIND);
                    relayed[i] = (System.nanoTime() - start) / 1_000_000;
                    start = System.nanoTime();
                    direct.udhcpc(lab.hostNs(), link.hostIf(), BIND);
                    straight[i] = (System.nanoTime() - start) / 1_000_000;
                }
                Arrays.sort(relayed);
                Arrays.sort(straight);
                final String times = "udhcpc bind time, median of " + runs + ": through the relay " +
                    relayed[runs / 2] + " ms " + Arrays.toString(relayed) + ", directly " +
                    straight[runs / 2] + " ms " + Arrays.toString(straight);
                System.out.println(times);
                assertTrue(relayed[runs / 2] <= straight[runs / 2] + 1_000, times);
            }
        }
    }

    @Test
    void aBootpClientGetsABootReplyWithTheAddressTheTenantsDnsmasqHandedOutThroughTheRelay() throws Exception
    {
        bootReplyThroughTheRelay(null);
    }

    @Test
    void aBootpClientGetsABootReplyWithTheAddressTheTenantsIscDhcpdHandedOutThroughTheRelay() throws Exception
    {
        Prerequisites.requireCommands("dhcpd");
        bootReplyThroughTheRelay(TenantServer.Kind.ISC_DHCPD);
    }

    /** Raw BOOTREQUEST frames, with and without the RFC 1497 cookie, answered from the tenant's server. */
    private void bootReplyThroughTheRelay(final TenantServer.Kind kind) throws Exception
    {
        Prerequisites.requireCommands("python3");
        try (NetnsLab lab = NetnsLab.create(1))
        {
            final NetnsLab.Vm vm = lab.vm(0);
            final String vmId = UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString();
            final NetnsLab.Vm link = tenantLink(lab);
            try (BootpTenant tenant = startBootpTenant(kind, link, vmId);
                DvmcHost host = relayHost(lab, vm, vmId))
            {
                host.start();
                final int xid = 0x0B00_7001;
                final DhcpPacket reply = bootReply(lab, vm, BootpOverPcapTest.bootRequest(vm.mac(), xid, true, false),
                    xid, () -> host.counters() + "\n" + tenant.log());

                final String ip = Addresses.ipv4(reply.yiaddr());
                assertAll("the BOOTREPLY the VM saw",
                    () -> assertEquals(DhcpMessageType.BOOTP, reply.messageType(), "no option 53"),
                    () -> assertEquals(Addresses.parseMac(vm.mac()), reply.chaddrMac()),
                    () -> assertTrue(ip.startsWith("10.0.0.1"), ip),
                    () -> assertEquals(-1, reply.findOption(DhcpOption.LEASE_TIME), "BOOTP knows no lease"),
                    () -> assertEquals("10.0.0.254", Addresses.ipv4(reply.optionBuffer(DhcpOption.ROUTER)
                        .getInt(reply.findOption(DhcpOption.ROUTER), ByteOrder.BIG_ENDIAN)), "the tenant's router"));
                assertTrue(Await.within(ON_THE_WIRE, () -> tenant.answeredBootp(ip)),
                    () -> "no BOOTP answer of " + ip + " in the tenant's log:\n" + tenant.log());

                // A PROM that sends no RFC 1497 cookie: relayed all the same, and answered without a vendor area.
                final int plainXid = 0x0B00_7002;
                final DhcpPacket plain = bootReply(lab, vm, BootpOverPcapTest.bootRequest(vm.mac(), plainXid, false,
                    true), plainXid, () -> host.counters() + "\n" + tenant.log());
                assertEquals(reply.yiaddr(), plain.yiaddr(), "the tenant's address for the MAC");
                assertFalse(plain.hasMagicCookie(), "a vendor area for a client that sent none");
                assertTrue(host.counter("service: relay relayed") >= 2, host.counters().toString());
                assertEquals(0, host.counter("service: relay timed out"), host.counters().toString());
            }
        }
    }

    /** A tenant's server that answers BOOTP clients. */
    private interface BootpTenant extends AutoCloseable
    {
        /** Whether it answered a BOOTREQUEST with {@code ip} (and, where its leases keep option 82, for the VM). */
        boolean answeredBootp(String ip);

        String log();

        void close();
    }

    /** dnsmasq keeps option 82 of a BOOTP client nowhere; ISC dhcpd keeps it in the lease. */
    private static BootpTenant startBootpTenant(final TenantServer.Kind kind, final NetnsLab.Vm link,
        final String vmId)
    {
        if (kind == null)
        {
            final Dnsmasq dnsmasq = Dnsmasq.start(link.ns(), new Dnsmasq.Config(link.ifname(), "10.0.0.100",
                "10.0.0.199", "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254",
                List.of("10.0.0.53"), 0, List.of("--bootp-dynamic",
                    // dnsmasq applies RFC 3527 link selection to DHCP only: for BOOTP it goes by giaddr.
                    "--shared-network=" + relayAddress(0) + ",10.0.0.0")),
                ON_THE_WIRE);
            return new BootpTenant()
            {
                public boolean answeredBootp(final String ip)
                {
                    return dnsmasq.log().lines().anyMatch(l -> l.contains("BOOTP(") && l.contains(ip));
                }

                public String log()
                {
                    return dnsmasq.log();
                }

                public void close()
                {
                    dnsmasq.close();
                }
            };
        }
        final TenantServer server = TenantServer.start(kind, link.ns(), new TenantServer.Config(link.ifname(),
            "198.18.0.0", "10.0.0.0", "10.0.0.100", "10.0.0.199", Duration.ofSeconds(TENANT_LEASE_SECONDS),
            "10.0.0.254", List.of("10.0.0.53")), ON_THE_WIRE);
        return new BootpTenant()
        {
            public boolean answeredBootp(final String ip)
            {
                return server.log().lines().anyMatch(l -> l.startsWith("BOOTREPLY on " + ip + " ")) &&
                    dhcpdTenant(server).recordsAgentInformation(ip, vmId);
            }

            public String log()
            {
                return server.log() + server.leases();
            }

            public void close()
            {
                server.close();
            }
        };
    }

    /**
     * Sends a raw frame on the VM's interface (AF_PACKET) until the BOOTREPLY of {@code xid} comes back, as a BOOTP
     * PROM would, and returns that reply.
     */
    private DhcpPacket bootReply(final NetnsLab lab, final NetnsLab.Vm vm, final byte[] frame, final int xid,
        final Supplier<String> whyNot) throws Exception
    {
        final Path sender = dir.resolve("bootp-client.py");
        Files.writeString(sender, """
            import socket, sys, time
            iface, frame, xid = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
            s.bind((iface, 0))
            s.settimeout(0.2)
            sent = 0
            while True:
                if time.monotonic() - sent > 3:
                    s.send(frame)
                    sent = time.monotonic()
                try:
                    got = s.recv(2048)
                except socket.timeout:
                    continue
                bootp = got[42:]
                if got[23] == 17 and got[34:38] == bytes([0, 67, 0, 68]) and bootp[0] == 2 and bootp[4:8] == xid:
                    print(bootp.hex())
                    break
            """);
        final Exec.Result sent = lab.run(vm.ns(), BIND, "python3", sender.toString(), vm.ifname(),
            HexFormat.of().formatHex(frame), String.format("%08x", xid));
        assertTrue(sent.ok(), () -> "no BOOTREPLY: " + sent.describe() + "\n" + whyNot.get());
        final String hex = sent.output().strip();
        final UnsafeBuffer bytes = new UnsafeBuffer(HexFormat.of().parseHex(hex));
        final DhcpPacket reply = new DhcpPacket().wrap(bytes, 0, bytes.capacity());
        assertEquals(0, reply.validate(), hex);
        return reply;
    }

    private static List<DvmcHost.Port> ports(final NetnsLab lab, final List<NetnsLab.Vm> vms)
    {
        return vms.stream().map(vm -> new DvmcHost.Port("vm" + vm.index(), lab.afPacketVdev(vm))).toList();
    }

    private static DvmcHost.Binding binding(final NetnsLab.Vm vm, final int domain)
    {
        return new DvmcHost.Binding("vm" + vm.index(), vm.mac(), domain,
            UUID.nameUUIDFromBytes(vm.mac().getBytes()).toString());
    }

    /** What the tests ask of a tenant's server, whichever it is. */
    private interface Tenant extends AutoCloseable
    {
        /** Whether its record of the lease of {@code ip} holds option 82 with circuit-id {@code vmId}. */
        boolean recordsAgentInformation(String ip, String vmId);

        /** Whether its leases show {@code ip} released. */
        boolean released(String ip);

        /** DHCPACKs it sent so far. */
        long acks();

        /** What it holds of {@code ip} (its lease record) and the end of its log: what a failed wait shows. */
        String recordOf(String ip);

        void close();
    }

    private Tenant startTenant(final TenantServer.Kind kind, final NetnsLab.Vm link) throws Exception
    {
        if (kind == null)
        {
            final Path script = scriptRecordingOption82();
            final Dnsmasq dnsmasq = Dnsmasq.start(link.ns(), new Dnsmasq.Config(link.ifname(), "10.0.0.100",
                "10.0.0.199", "255.255.255.0", Duration.ofSeconds(TENANT_LEASE_SECONDS), "10.0.0.254",
                List.of("10.0.0.53"), 0, List.of("--dhcp-script=" + script)), ON_THE_WIRE);
            return new Tenant()
            {
                public boolean recordsAgentInformation(final String ip, final String vmId)
                {
                    return holds(ip) && scriptLog(script).contains(" " + ip + " circuit=" + vmId + " remote=" + DOMAIN);
                }

                private boolean holds(final String ip)
                {
                    return dnsmasq.leases().stream().anyMatch(l -> l.contains(" " + ip + " "));
                }

                public boolean released(final String ip)
                {
                    return !holds(ip);
                }

                public long acks()
                {
                    return dnsmasq.log().lines().filter(l -> l.contains("DHCPACK(")).count();
                }

                public String recordOf(final String ip)
                {
                    return "leases: " + dnsmasq.leases() + "\noption 82 seen: " + scriptLog(script) + "\nlog:\n" +
                        lastLines(dnsmasq.log());
                }

                public void close()
                {
                    dnsmasq.close();
                }
            };
        }
        final TenantServer server = TenantServer.start(kind, link.ns(), new TenantServer.Config(link.ifname(),
            "198.18.0.0", "10.0.0.0", "10.0.0.100", "10.0.0.199", Duration.ofSeconds(TENANT_LEASE_SECONDS),
            "10.0.0.254", List.of("10.0.0.53")), ON_THE_WIRE);
        return kind == TenantServer.Kind.KEA ? keaTenant(server) : dhcpdTenant(server);
    }

    /**
     * Kea's memfile appends a CSV line per change: address, hwaddr, client id, valid lifetime, expire, subnet id,
     * fqdn fwd, fqdn rev, hostname, state, user context. The relay agent information is in the user context, in hex.
     */
    private static Tenant keaTenant(final TenantServer kea)
    {
        return new Tenant()
        {
            private String last(final String ip)
            {
                return kea.leases().lines().filter(l -> l.startsWith(ip + ",")).reduce((a, b) -> b).orElse("");
            }

            public boolean recordsAgentInformation(final String ip, final String vmId)
            {
                return last(ip).toLowerCase().contains(HexFormat.of().formatHex(vmId.getBytes()));
            }

            public boolean released(final String ip)
            {
                final String[] fields = last(ip).split(",", -1);
                return fields.length > 3 && fields[3].equals("0");
            }

            public long acks()
            {
                return kea.log().lines().filter(l -> l.contains("DHCP4_LEASE_ALLOC")).count();
            }

            public String recordOf(final String ip)
            {
                return "last lease line: " + last(ip) + "\nlog:\n" + lastLines(kea.log());
            }

            public void close()
            {
                kea.close();
            }
        };
    }

    /** dhcpd appends a lease block per change, with the relay agent's circuit-id and the binding state. */
    private static Tenant dhcpdTenant(final TenantServer dhcpd)
    {
        return new Tenant()
        {
            private String last(final String ip)
            {
                return TenantServer.lastDhcpdLease(dhcpd.leases(), ip);
            }

            public boolean recordsAgentInformation(final String ip, final String vmId)
            {
                return last(ip).contains("option agent.circuit-id \"" + vmId + "\"");
            }

            public boolean released(final String ip)
            {
                return last(ip).contains("binding state free;");
            }

            public long acks()
            {
                return dhcpd.log().lines().filter(l -> l.startsWith("DHCPACK on")).count();
            }

            public String recordOf(final String ip)
            {
                return "last lease block: " + last(ip) + "\nlog:\n" + lastLines(dhcpd.log());
            }

            public void close()
            {
                dhcpd.close();
            }
        };
    }

    /** A namespace for the tenant's server, linked to the host's namespace only: relay address on the host's end. */
    static NetnsLab.Vm tenantLink(final NetnsLab lab)
    {
        return tenantLink(lab, 0);
    }

    /** Tenant link {@code i}: 198.18.{@code i}.0/24, the relay address .1 on the host's end, the server .2. */
    static NetnsLab.Vm tenantLink(final NetnsLab lab, final int i)
    {
        final NetnsLab.Vm tenant = lab.addVm(String.format("02:74:00:00:%02x:01", lab.vms().size()));
        lab.exec(lab.hostNs(), "ip", "addr", "add", relayAddress(i) + "/24", "dev", tenant.hostIf()).check();
        lab.exec(tenant.ns(), "ip", "addr", "add", tenantServer(i) + "/24", "dev", tenant.ifname()).check();
        return tenant;
    }

    private static String relayAddress(final int i)
    {
        return "198.18." + i + ".1";
    }

    private static String tenantServer(final int i)
    {
        return "198.18." + i + ".2";
    }

    /** dnsmasq keeps no option 82 in its lease file; its lease script is told of it, and writes it down here. */
    private Path scriptRecordingOption82() throws Exception
    {
        final Path script = dir.resolve("lease-script.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$1 $3 circuit=$DNSMASQ_CIRCUIT_ID remote=$DNSMASQ_REMOTE_ID\"" +
            " >> " + dir.resolve("lease-script.log") + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String lastLines(final String log)
    {
        final List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static String scriptLog(final Path script)
    {
        try
        {
            final Path log = script.resolveSibling("lease-script.log");
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (final Exception ex)
        {
            return "";
        }
    }

    /** A host whose domain 300 relays to the tenant server over the tenant link, with RFC 3527 link selection. */
    private DvmcHost relayHost(final NetnsLab lab, final NetnsLab.Vm vm, final String vmId) throws Exception
    {
        final DvmcHost host = new DvmcHost(dir, List.of(new DvmcHost.Port("vm0", lab.afPacketVdev(vm))),
            List.of(new DvmcHost.Binding("vm0", vm.mac(), DOMAIN, vmId)), lab.hostNs());
        host.runAllInNetns();
        host.domains(List.of(relayDomain(DOMAIN, "tenant", relayAddress(0), tenantServer(0))));
        return host;
    }

    static String relayDomain(final int id, final String name, final String relayAddress, final String server)
    {
        return String.format("{ \"id\": %d, \"name\": \"%s\", \"subnet\": \"10.0.0.0/24\", \"serverIp\": \"%s\"," +
            " \"mode\": \"relay\", \"relayServers\": [ \"%s\" ], \"relayAddress\": \"%s\", \"linkSelection\": true }",
            id, name, SERVER_IP, server, relayAddress);
    }
}
