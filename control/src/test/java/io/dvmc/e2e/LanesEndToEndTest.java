package io.dvmc.e2e;

import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Tier 3 (root): a dataplane of two lanes, each VM's port a net_af_packet vdev with two queue pairs (the kernel's
 * fanout spreads the port's flows over them), binds real clients and answers their renewals, every frame received on
 * one lane or the other.
 */
class LanesEndToEndTest
{
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
            DvmcHost host = AfPacketVms.host(dir, lab, 2))
        {
            host.start();
            final List<Lease> bound = AfPacketVms.bindAndRenew(lab, clients, host);
            assertNotEquals(bound.get(0).ip(), bound.get(2).ip(), "two VMs of domain 100 share an address");

            final long lane0 = host.counter("dataplane: lane 0 rx frames");
            final long lane1 = host.counter("dataplane: lane 1 rx frames");
            assertEquals(host.counter("dataplane: rx frames"), lane0 + lane1, host.counters().toString());
            assertEquals(0, host.counter("dataplane: dataplane errors"), host.dataplane().log());
        }
    }
}
