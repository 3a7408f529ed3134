package io.dvmc.e2e;

import io.dvmc.lab.FreePorts;
import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root), the distributed mode with real parts: etcd holds the policy and the bindings, written with
 * {@code dvmc ctl}; two hosts (each its own dataplane, agent, lease store and key) serve real clients in their own
 * network namespaces. Host 1 carries VMs of two domains with the same subnet; domain 100 spans both hosts. A VM
 * migrates from host 1 to host 2 (patent FIG. 5) and keeps its address.
 */
class DistributedHostsTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final String BLUE_1 = "02:00:00:64:01:01";
    private static final String RED_1 = "02:00:00:c8:01:02";
    private static final String MIGRANT = "02:00:00:64:01:03";
    private static final String BLUE_2 = "02:00:00:64:02:01";

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc", "dhclient", "etcd");
    }

    private static String vm(final String mac)
    {
        return java.util.UUID.nameUUIDFromBytes(mac.getBytes()).toString();
    }

    @Test
    void twoHostsServeOverlappingDomainsAndAMigratedVmKeepsItsAddress() throws Exception
    {
        try (NetnsLab lab1 = NetnsLab.create(BLUE_1, RED_1, MIGRANT);
            NetnsLab lab2 = NetnsLab.create(BLUE_2, MIGRANT);
            DhcpClients clients = new DhcpClients(true);
            DistributedDvmc cluster = DistributedDvmc.start(dir, 1, 2))
        {
            final int servicePort = FreePorts.udp();
            cluster.createDomain(100, "blue", "10.0.0.53", List.of(servicePort), 600, 2400);
            cluster.createDomain(200, "red", "10.0.0.54", List.of(servicePort), 600, 2400);
            cluster.bind(1, "vm0", BLUE_1, 100, vm(BLUE_1));
            cluster.bind(1, "vm1", RED_1, 200, vm(RED_1));
            cluster.bind(1, "vm2", MIGRANT, 100, vm(MIGRANT));
            cluster.bind(2, "vm0", BLUE_2, 100, vm(BLUE_2));
            cluster.startService("service", servicePort, "r1");
            final DvmcHost host1 = cluster.startHost(1, lab1);
            final DvmcHost host2 = cluster.startHost(2, lab2);

            final Lease blue1 = clients.udhcpc(lab1.vm(0).ns(), "eth0", BIND);
            final Lease red1 = clients.udhcpc(lab1.vm(1).ns(), "eth0", BIND);
            final Lease blue2 = clients.udhcpc(lab2.vm(0).ns(), "eth0", BIND);
            // No VM ever receives another domain's configuration.
            assertEquals(List.of("10.0.0.53"), blue1.dns());
            assertEquals(List.of("10.0.0.54"), red1.dns());
            assertEquals(List.of("10.0.0.53"), blue2.dns());
            // One domain across two hosts: one address space.
            assertNotEquals(blue1.ip(), blue2.ip());

            // The VM boots on host 1 and keeps its client's memory (the lease database) when it moves.
            final Path memory = dir.resolve("migrant.leases");
            final Lease before = clients.dhclient(lab1.vm(2).ns(), "eth0", BIND, memory);
            clients.stopDhclients();
            lab1.exec(lab1.vm(2).ns(), "ip", "link", "set", "eth0", "down");
            assertTrue(host1.ctl("leases", "--json").contains(MIGRANT), "host 1 serves the VM before it moves");

            cluster.unbind(1, MIGRANT);
            final long movedAt = System.nanoTime();
            cluster.bind(2, "vm1", MIGRANT, 100, vm(MIGRANT));
            final Lease after = clients.dhclient(lab2.vm(1).ns(), "eth0", BIND, memory);
            final long bindToBoundMs = (System.nanoTime() - movedAt) / 1_000_000;

            assertEquals("reboot", after.event(), "dhclient INIT-REBOOT on host 2");
            assertEquals(before.ip(), after.ip(), "the migrated VM keeps its address");
            assertEquals(List.of("10.0.0.53"), after.dns());
            host1.agent().await("host 1 to forget the VM's lease", Duration.ofSeconds(10),
                () -> !ctlLeases(host1).contains(MIGRANT));
            assertTrue(ctlLeases(host2).contains(MIGRANT), "host 2 now serves the VM from its store");
            // The service records where the VM now is (patent field 220): host 2's agent.
            final String record = cluster.leaseRecord(100, after.ip());
            assertTrue(record != null && record.contains(MIGRANT) && record.contains(":" + agentPort(host2) + "\""),
                "lease record " + record + ", host 2's agent on port " + agentPort(host2));
            System.out.println("DistributedHostsTest: dvmc ctl bind to an ACKed INIT-REBOOT on the new host: " +
                bindToBoundMs + " ms");
        }
    }

    /** The UDP port of a host's agent, from its ready file ("pid /address:port"). */
    private static String agentPort(final DvmcHost host) throws java.io.IOException
    {
        final String ready = java.nio.file.Files.readString(host.stateDir().resolve(
            io.dvmc.agent.HostAgentMain.READY_FILE)).strip();
        return ready.substring(ready.lastIndexOf(':') + 1);
    }

    private static String ctlLeases(final DvmcHost host)
    {
        try
        {
            return host.ctl("leases", "--json");
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
