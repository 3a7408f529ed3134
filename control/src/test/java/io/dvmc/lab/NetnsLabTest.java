package io.dvmc.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the lab fixture against a real DHCP server: dnsmasq in the lab's host namespace stands where dvmc's
 * dataplane will, and udhcpc, dhclient and dhcpcd in VM namespaces must report exactly what it was told to hand out.
 * Also proves that nothing of a lab survives its close, even when the test body fails, and that leftovers of a
 * killed run are swept.
 */
class NetnsLabTest
{
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);
    private static final String ROUTER = "10.0.0.1";
    private static final List<String> DNS = List.of("10.0.0.53", "10.0.0.54");
    private static final int MTU = 1450;
    private static final Duration LEASE = Duration.ofHours(1);

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "unshare", "mount", "dnsmasq", "udhcpc", "dhclient", "dhcpcd");
    }

    @Test
    void realClientsBindAgainstDnsmasqAndNothingRemainsAfterClose()
    {
        List<String> namespaces;
        String ifPrefix;
        try (NetnsLab lab = NetnsLab.create(3))
        {
            namespaces = lab.namespaces();
            ifPrefix = lab.ifPrefix();
            assertEquals(4, namespaces.size());
            // One server for three VMs: a bridge in the host namespace over the host ends.
            String br = ifPrefix + "br";
            lab.exec(lab.hostNs(), "ip", "link", "add", br, "type", "bridge");
            lab.exec(lab.hostNs(), "ip", "addr", "add", ROUTER + "/24", "dev", br);
            lab.exec(lab.hostNs(), "ip", "link", "set", br, "up");
            for (NetnsLab.Vm vm : lab.vms())
            {
                assertTrue(vm.hostIf().length() <= 15, vm.hostIf());
                lab.exec(lab.hostNs(), "ip", "link", "set", lab.hostIfName(vm), "master", br);
                InterfaceState before = InterfaceState.read(vm.ns(), vm.ifname());
                assertEquals(vm.mac(), before.mac());
                assertTrue(before.up());
                assertEquals(null, before.ip());
            }
            Dnsmasq.Config config = new Dnsmasq.Config(br, "10.0.0.100", "10.0.0.199", "255.255.255.0", LEASE,
                ROUTER, DNS, MTU, List.of());
            try (Dnsmasq server = Dnsmasq.start(lab.hostNs(), config, Duration.ofSeconds(20));
                DhcpClients clients = new DhcpClients())
            {
                NetnsLab.Vm v0 = lab.vm(0);
                NetnsLab.Vm v1 = lab.vm(1);
                NetnsLab.Vm v2 = lab.vm(2);
                List<Lease> leases = new ArrayList<>();
                leases.add(clients.udhcpc(v0.ns(), v0.ifname(), CLIENT_TIMEOUT));
                leases.add(clients.dhclient(v1.ns(), v1.ifname(), CLIENT_TIMEOUT));
                leases.add(clients.dhcpcd(v2.ns(), v2.ifname(), CLIENT_TIMEOUT));
                Set<String> ips = new HashSet<>();
                for (Lease l : leases)
                {
                    assertMatchesConfig(l);
                    ips.add(l.ip());
                    // The script applied the lease to the VM's own interface.
                    InterfaceState s = InterfaceState.read(l.ns(), "eth0");
                    assertEquals(l.ip(), s.ip(), l.client());
                    assertEquals(24, s.prefix(), l.client());
                    assertEquals(ROUTER, s.defaultRouter(), l.client());
                    assertEquals(MTU, s.mtu(), l.client());
                }
                assertEquals(List.of("udhcpc", "dhclient", "dhcpcd"), leases.stream().map(Lease::client).toList());
                assertEquals(3, ips.size(), "one address per MAC: " + ips);
                assertEquals(3, server.leases().size(), String.join("\n", server.leases()));

                // RENEWING: with the address applied, udhcpc unicasts its REQUEST to the server id.
                try (UdhcpcSession s = clients.start(v0.ns(), v0.ifname()))
                {
                    Lease first = s.awaitLease(CLIENT_TIMEOUT);
                    assertMatchesConfig(first);
                    assertEquals(leases.get(0).ip(), first.ip(), "same MAC, same address");
                    int renewals = renewByUnicast(s, first, 3);
                    // A further renew is a new event, not one already returned.
                    s.renew();
                    s.awaitEvent("renew", CLIENT_TIMEOUT);
                    assertEquals(renewals + 1, s.events().stream().filter(e -> e.name().equals("renew")).count());
                }
            }
        }
        assertGone(namespaces, ifPrefix);
    }

    /**
     * Renews until one renewal is a unicast REQUEST to the server answered by unicast, at most {@code attempts}
     * times, and returns how many renewals that took. udhcpc makes a single unicast try and then rebinds by
     * broadcast when it gets no answer for reasons of its own (busybox notes a racy EADDRNOTAVAIL on its sending
     * socket; CI saw one such fallback), so one clean renewal, not the first, is what proves the lab routes unicast.
     * Every renewal must keep the address and the configuration.
     */
    private static int renewByUnicast(UdhcpcSession s, Lease first, int attempts)
    {
        StringBuilder tries = new StringBuilder();
        for (int i = 1; i <= attempts; i++)
        {
            int mark = s.output().length();
            s.renew();
            Lease renewed = s.awaitEvent("renew", CLIENT_TIMEOUT).lease(first.ns());
            assertEquals("renew", renewed.event());
            assertEquals(first.ip(), renewed.ip());
            assertMatchesConfig(renewed);
            String said = s.output().substring(mark);
            if (said.contains("sending renew to server " + ROUTER) && !said.contains("broadcasting renew"))
            {
                return i;
            }
            tries.append(said);
        }
        throw new AssertionError("no unicast renewal in " + attempts + " tries:\n" + tries);
    }

    @Test
    void clientsCanLeaveTheInterfaceAlone()
    {
        try (NetnsLab lab = NetnsLab.create(1))
        {
            NetnsLab.Vm vm = lab.vm(0);
            lab.exec(lab.hostNs(), "ip", "addr", "add", ROUTER + "/24", "dev", vm.hostIf());
            Dnsmasq.Config config = new Dnsmasq.Config(vm.hostIf(), "10.0.0.100", "10.0.0.199", "255.255.255.0",
                LEASE, ROUTER, DNS, MTU, List.of());
            try (Dnsmasq server = Dnsmasq.start(lab.hostNs(), config, Duration.ofSeconds(20));
                DhcpClients clients = new DhcpClients(false))
            {
                assertMatchesConfig(clients.udhcpc(vm.ns(), vm.ifname(), CLIENT_TIMEOUT));
                assertMatchesConfig(clients.dhcpcd(vm.ns(), vm.ifname(), CLIENT_TIMEOUT));
                InterfaceState s = InterfaceState.read(vm.ns(), vm.ifname());
                assertEquals(List.of(), s.addresses());
                assertEquals(null, s.defaultRouter());
                assertEquals(1500, s.mtu());
            }
        }
    }

    @Test
    void closeCleansUpWhenTheTestBodyFails()
    {
        List<String> namespaces = new ArrayList<>();
        String[] ifPrefix = new String[1];
        long[] pids = new long[2];
        assertThrows(IllegalStateException.class, () -> {
            try (NetnsLab lab = NetnsLab.create(2))
            {
                namespaces.addAll(lab.namespaces());
                ifPrefix[0] = lab.ifPrefix();
                // Left running as a crashed test would leave them: one the lab spawned, one daemonized behind
                // its back (as dhclient does), found only by its network namespace.
                pids[0] = lab.spawn(lab.vm(0).ns(), lab.workDir().resolve("sleep.log"), "sleep", "300").pid();
                pids[1] = Long.parseLong(lab.exec(lab.vm(1).ns(), "sh", "-c",
                    "sleep 300 </dev/null >/dev/null 2>&1 & echo $!").output().strip());
                throw new IllegalStateException("test body failed");
            }
        });
        assertEquals(3, namespaces.size());
        assertGone(namespaces, ifPrefix[0]);
        for (long pid : pids)
        {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " survived");
        }
    }

    @Test
    void sweepRemovesNamespacesOfDeadRunsOnly() throws Exception
    {
        // A pid that existed and is gone: the owner of a "killed run".
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        String stale = "dvmc-" + dead + "-9-h";
        String mine = "dvmc-" + ProcessHandle.current().pid() + "-sweep-h";
        try
        {
            Exec.check(Duration.ofSeconds(10), "ip", "netns", "add", stale);
            Exec.check(Duration.ofSeconds(10), "ip", "netns", "add", mine);
            NetnsLab.sweepStale();
            List<String> after = NetnsLab.listNamespaces();
            if (!ProcessHandle.of(dead).isPresent())
            {
                assertFalse(after.contains(stale), after.toString());
            }
            assertTrue(after.contains(mine), "a live run's namespace is kept: " + after);
        }
        finally
        {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", stale);
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", mine);
        }
    }

    private static void assertMatchesConfig(Lease l)
    {
        String who = l.client() + " " + l.event();
        int host = InterfaceState.ipv4ToInt(l.ip()) & 0xff;
        assertTrue(l.ip().startsWith("10.0.0.") && host >= 100 && host <= 199, who + " ip " + l.ip());
        assertEquals(24, l.prefix(), who);
        assertEquals("255.255.255.0", l.mask(), who);
        assertEquals(ROUTER, l.router(), who);
        assertEquals(DNS, l.dns(), who);
        assertEquals(MTU, l.mtu(), who);
        assertEquals(LEASE.toSeconds(), l.leaseSeconds(), who);
        assertEquals(ROUTER, l.serverId(), who);
        assertEquals("eth0", l.iface(), who);
    }

    private static void assertGone(List<String> namespaces, String ifPrefix)
    {
        List<String> left = NetnsLab.listNamespaces();
        for (String ns : namespaces)
        {
            assertFalse(left.contains(ns), "namespace " + ns + " survived close: " + left);
        }
        String links = Exec.check(Duration.ofSeconds(10), "ip", "-o", "link", "show").output();
        assertFalse(links.contains(ifPrefix), "an interface of the lab survived close:\n" + links);
    }
}
