package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (no privileges): a port added to host.json's {@code dataplane.ports} while dataplane, agent and service run
 * is hot-plugged, configured, started and polled without a restart; a port whose device changes is detached and
 * attached again; a removed port is closed (its tx pcap is flushed then) and detached.
 */
class RuntimePortsTest
{
    private static final String UDHCPC_MAC = "02:dc:00:00:00:01";
    private static final Duration APPLIED = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aPortAddedToHostJsonIsHotPluggedAndAnswersItsVmAndOnceRemovedIsClosedAndDetached() throws Exception
    {
        final Path empty = dir.resolve("empty.pcap");
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(empty, List.of());
        PcapFile.write(rx, List.of(Files.readAllBytes(SlowPathOverPcapTest.CAPTURES.resolve("udhcpc-discover.bin"))));
        final DvmcHost.Port ring = new DvmcHost.Port("vm0", "net_ring0");
        try (DvmcHost host = new DvmcHost(dir, List.of(ring), List.of(), null))
        {
            host.start();
            final List<DvmcHost.Binding> bound = List.of(
                new DvmcHost.Binding("vm1", UDHCPC_MAC, 200, UUID.randomUUID().toString()));

            // A port with nothing to read yet: the binding is in force before the VM's DISCOVER can arrive.
            host.rewrite(List.of(ring, new DvmcHost.Port("vm1", "net_pcap1,rx_pcap=" + empty + ",tx_pcap=" +
                dir.resolve("unused.pcap"))), bound);
            host.dataplane().await("port vm1 to be attached", APPLIED,
                () -> host.counters().containsKey("dataplane: port vm1 rx"));
            host.awaitCounter(host.dataplane(), "dataplane: bindings in force", 1, APPLIED);

            // The same port on another device: detached, then attached again, and polled.
            host.rewrite(List.of(ring, new DvmcHost.Port("vm1", "net_pcap1,rx_pcap=" + rx + ",tx_pcap=" + tx)), bound);
            host.awaitCounter(host.dataplane(), "dataplane: port vm1 tx", 1, APPLIED);

            host.rewrite(List.of(ring), List.of());
            host.dataplane().await("port vm1 to be detached", APPLIED,
                () -> !host.counters().containsKey("dataplane: port vm1 rx"));
            assertTrue(host.dataplane().log().contains("port vm1 (net_pcap1,rx_pcap=" + rx), host.dataplane().log());
            assertTrue(host.dataplane().log().lines().anyMatch(l -> l.matches(
                "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\S* INFO .*port vm1 \\(net_pcap1,.*\\) detached.*")),
                "port changes are logged with a time and a level: " + host.dataplane().log());
            assertTrue(host.dataplane().isAlive());

            // Closing the port flushed its tx pcap: the OFFER is there.
            final List<byte[]> sent = PcapFile.read(tx);
            assertEquals(1, sent.size(), "frames in the tx pcap");
            final UnsafeBuffer frame = new UnsafeBuffer(sent.get(0));
            final FrameView view = new FrameView();
            assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
            final DhcpPacket offer = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(DhcpMessageType.OFFER, offer.messageType());
            assertEquals(Addresses.parseMac(UDHCPC_MAC), offer.chaddrMac());
        }
    }
}
