package io.dvmc.port;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a vdev needs before the EAL creates it, told apart from what it creates itself. */
class VdevPresenceTest
{
    @TempDir
    Path dir;

    @Test
    void anAfPacketPortNeedsItsInterfaceInThisNetworkNamespace()
    {
        assertNull(VdevPresence.absence("net_af_packet0,iface=lo,qpairs=1"));
        assertEquals("interface dvmc-nosuch0 does not exist in the dataplane's network namespace",
            VdevPresence.absence("net_af_packet0,iface=dvmc-nosuch0"));
    }

    @Test
    void aPcapPortNeedsItsCaptureFileOrInterfaceButNotTheFileItWrites() throws Exception
    {
        final Path rx = dir.resolve("rx.pcap");
        final String device = "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + dir.resolve("tx.pcap");
        assertEquals("capture file " + rx + " does not exist or is not readable", VdevPresence.absence(device));
        Files.write(rx, new byte[0]);
        assertNull(VdevPresence.absence(device));
        assertEquals("interface dvmc-nosuch1 does not exist in the dataplane's network namespace",
            VdevPresence.absence("net_pcap1,iface=dvmc-nosuch1"));
    }

    @Test
    void aVhostUserClientNeedsTheVmsSocketAndAServerCreatesItsOwn()
    {
        final Path socket = dir.resolve("vm1.sock");
        assertNull(VdevPresence.absence("net_vhost0,iface=" + socket + ",queues=1"));
        assertEquals("vhost-user socket " + socket + " does not exist (client=1: the VM's QEMU creates it)",
            VdevPresence.absence("net_vhost0,iface=" + socket + ",client=1"));
    }

    @Test
    void whatItDoesNotKnowIsLeftToTheDriver()
    {
        assertNull(VdevPresence.absence("net_tap0,iface=dvmc-tap-new"));
        assertNull(VdevPresence.absence("net_ring0"));
        assertNull(VdevPresence.absence("net_null0,size=64"));
    }
}
