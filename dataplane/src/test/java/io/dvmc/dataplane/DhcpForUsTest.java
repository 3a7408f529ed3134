package io.dvmc.dataplane;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseStore;
import io.dvmc.port.PcapFile;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap): which DHCP frames are dvmc's. A VM's UDP to port 67 is taken when broadcast or addressed to
 * its domain's virtual server; unicast to any other server is the VM's other traffic (forwarded, counted). Server
 * DHCP is a rogue server's on a VM port only: on an uplink it is other traffic like the rest.
 */
class DhcpForUsTest
{
    private static final int LEASED_IP = 0xC000_0293; // 192.0.2.147, where the captured renewal comes from

    @TempDir
    Path dir;

    @Test
    void unicastDhcpIsTakenOnlyWhenAddressedToTheVmsDomainServerAndTheRestIsForwardedAsOtherTraffic() throws Exception
    {
        final byte[] renewal = Crafted.capture("udhcpc-request-renewing.bin");
        final byte[] renewalToAnotherServer = Crafted.toIp(renewal, 0xC000_0263);
        final Path vm1Rx = dir.resolve("vm1-rx.pcap");
        final Path uplinkRx = dir.resolve("uplink-rx.pcap");
        final Path vm1Tx = dir.resolve("vm1-tx.pcap");
        final Path uplinkTx = dir.resolve("uplink-tx.pcap");
        PcapFile.write(vm1Rx, List.of(renewal, renewalToAnotherServer));
        PcapFile.write(uplinkRx, List.of());
        final String uplink = DataplaneProcess.pcapPort("uplink", 1, uplinkRx, uplinkTx, "");
        final String vm1 = DataplaneProcess.pcapPort("vm1", 0, vm1Rx, vm1Tx, "\"other\": \"forward:uplink\"");
        Files.createDirectories(dir.resolve("host"));
        final LeaseStore leases = LeaseStore.openWriter(dir.resolve("host").resolve(LeaseStore.FILE), 64);
        final DomainStore domains = DomainStore.openWriter(dir.resolve("host").resolve(StoreAccess.DOMAINS_FILE), 16);
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, List.of(uplink), List.of()))
        {
            InlineWorkerTest.leaseReadyAndBound(dataplane, leases, domains, 1);
            // The VM's port comes once the stores are open and the VM is bound, so that its frames meet both.
            DataplaneProcess.writeConfig(dir, List.of(vm1, uplink), List.of());
            dataplane.await("both renewals handled", DataplaneProcess.START, () -> {
                final Map<String, Long> c = dataplane.counters();
                return c.getOrDefault("port vm1 rx", 0L) == 2 &&
                    c.getOrDefault("port vm1 tx", 0L) + c.getOrDefault("port uplink tx", 0L) == 2;
            });
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(1, counters.get("fast path ACK"), counters::toString);
            assertEquals(1, counters.get("DHCP to other servers"), counters::toString);
            assertEquals(1, counters.get("other frames forwarded"), counters::toString);
            assertEquals(143, dataplane.stop(), dataplane.log());

            assertArrayEquals(renewalToAnotherServer, PcapFile.read(uplinkTx).get(0), "forwarded as received");
            final byte[] ack = PcapFile.read(vm1Tx).get(0);
            final FrameView view = new FrameView();
            final UnsafeBuffer frame = new UnsafeBuffer(ack);
            new FrameClassifier().classify(frame, 0, ack.length, view);
            final DhcpPacket reply = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(DhcpMessageType.ACK, reply.messageType());
            assertEquals(LEASED_IP, reply.yiaddr());
        }
        finally
        {
            CloseHelper.quietCloseAll(leases, domains);
        }
    }

    @Test
    void serverDhcpIsDroppedAsRogueOnAVmPortAndForwardedLikeOtherTrafficOnAnUplink() throws Exception
    {
        final byte[] offer = Crafted.capture("dnsmasq-offer.bin");
        final Path vm1Rx = dir.resolve("vm1-rx.pcap");
        final Path uplinkRx = dir.resolve("uplink-rx.pcap");
        final Path vm1Tx = dir.resolve("vm1-tx.pcap");
        PcapFile.write(vm1Rx, List.of(offer));
        PcapFile.write(uplinkRx, List.of(offer));
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, List.of(
            DataplaneProcess.pcapPort("vm1", 0, vm1Rx, vm1Tx, "\"other\": \"forward:uplink\""),
            DataplaneProcess.pcapPort("uplink", 1, uplinkRx, dir.resolve("uplink-tx.pcap"),
                "\"other\": \"forward:vm1\", \"role\": \"uplink\"")),
            List.of()))
        {
            dataplane.awaitCounter("port vm1 tx", 1);
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(1, counters.get("rogue server DHCP dropped"), counters::toString);
            assertEquals(1, counters.get("other frames forwarded"), counters::toString);
            assertEquals(0, counters.get("port uplink tx"), counters::toString);
            assertEquals(143, dataplane.stop(), dataplane.log());
            assertArrayEquals(offer, PcapFile.read(vm1Tx).get(0), "forwarded as received");
        }
    }
}
