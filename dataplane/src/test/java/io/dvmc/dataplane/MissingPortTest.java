package io.dvmc.dataplane;

import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (net_pcap): a port whose device is not there when the dataplane starts, as a VM's tap or vhost-user socket
 * is not until its VM runs (here a pcap file that does not exist yet). The dataplane serves its other ports, shows
 * the missing one, and attaches it once its device appears, without a restart.
 */
class MissingPortTest
{
    @TempDir
    Path dir;

    @Test
    void aPortWhoseDeviceIsMissingAtStartLeavesTheOtherPortsServedAndIsAttachedOnceItsDeviceAppears() throws Exception
    {
        final byte[] offer = Crafted.capture("dnsmasq-offer.bin");
        final Path vm1Rx = dir.resolve("vm1-rx.pcap");
        final Path vm2Rx = dir.resolve("vm2-rx.pcap");
        PcapFile.write(vm1Rx, List.of(offer));
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, List.of(
            DataplaneProcess.pcapPort("vm1", 0, vm1Rx, dir.resolve("vm1-tx.pcap"), ""),
            DataplaneProcess.pcapPort("vm2", 1, vm2Rx, dir.resolve("vm2-tx.pcap"), "")), List.of()))
        {
            dataplane.awaitCounter("rogue server DHCP dropped", 1);
            assertEquals(1, dataplane.counter("port vm1 rx"), "vm1 is served");
            assertEquals(1, dataplane.counter("ports not attached"), dataplane::log);
            assertTrue(dataplane.log().contains("port vm2 (net_pcap1,rx_pcap=" + vm2Rx), dataplane.log());
            assertTrue(dataplane.log().contains("not attached: capture file " + vm2Rx + " does not exist"),
                dataplane.log());

            PcapFile.write(vm2Rx, List.of(offer, offer));
            dataplane.await("vm2 attached once its device is there", Duration.ofSeconds(30),
                () -> dataplane.counter("rogue server DHCP dropped") == 3);
            assertEquals(2, dataplane.counter("port vm2 rx"), dataplane::log);
            assertEquals(0, dataplane.counter("ports not attached"), dataplane::log);
            assertEquals(3, dataplane.counter("rogue server DHCP dropped"), "vm2 is served as vm1 is");
            assertEquals(1, dataplane.log().lines().filter(line -> line.contains("not attached")).count(),
                "logged once while its cause stays the same, not at every try:\n" + dataplane.log());
            assertTrue(dataplane.log().contains("attached at index 1, at last"), dataplane.log());
            assertEquals(143, dataplane.stop(), dataplane.log());
        }
    }

    @Test
    void aPortThatHostJsonNoLongerNamesIsNoLongerWaitedFor() throws Exception
    {
        final Path vm1Rx = dir.resolve("vm1-rx.pcap");
        PcapFile.write(vm1Rx, List.of());
        final String vm1 = DataplaneProcess.pcapPort("vm1", 0, vm1Rx, dir.resolve("vm1-tx.pcap"), "");
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, List.of(vm1,
            DataplaneProcess.pcapPort("vm2", 1, dir.resolve("missing.pcap"), dir.resolve("vm2-tx.pcap"), "")),
            List.of()))
        {
            dataplane.awaitCounter("ports not attached", 1);
            DataplaneProcess.writeConfig(dir, List.of(vm1), List.of());
            dataplane.await("vm2 no longer waited for", DataplaneProcess.START,
                () -> dataplane.counter("ports not attached") == 0);
            assertEquals(143, dataplane.stop(), dataplane.log());
        }
    }
}
