package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (no privileges): where RFC 2131 §4.3.2 tells a server to stay silent, nothing leaves the dataplane. Real
 * client frames go through DPDK, the agent and the service; the tx pcap shows what the VMs would have seen.
 */
class SilentRequestsOverPcapTest
{
    private static final String UDHCPC_MAC = "02:dc:00:00:00:01";
    private static final String DHCLIENT_MAC = "02:dc:00:00:00:02";

    @TempDir
    Path dir;

    @Test
    void aSelectingRequestForAnotherServerAndAnInitRebootFromAnUnknownClientAreNotAnswered() throws Exception
    {
        // udhcpc chose the server 192.0.2.1 (the capture's dnsmasq), not this domain's 10.0.0.1.
        final byte[] selectingAnother = Files.readAllBytes(SlowPathOverPcapTest.CAPTURES.resolve(
            "udhcpc-request-selecting.bin"));
        // dhclient reboots remembering 10.0.0.150, an address of the domain this service has no record of.
        final byte[] initReboot = Files.readAllBytes(SlowPathOverPcapTest.CAPTURES.resolve(
            "dhclient-request-init-reboot.bin"));
        requestAddress(initReboot, Addresses.parseIpv4("10.0.0.150"));
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(rx, List.of(selectingAnother, initReboot));
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + tx)),
            List.of(new DvmcHost.Binding("vm1", UDHCPC_MAC, 100, UUID.randomUUID().toString()),
                new DvmcHost.Binding("vm1", DHCLIENT_MAC, 100, UUID.randomUUID().toString())),
            null))
        {
            host.start();
            host.agent().await("the service's decision on both requests", Duration.ofSeconds(60),
                () -> host.counter("agent: DVMC NAK received") + host.counter("agent: DVMC exchange timeouts") >= 2);
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());

            assertEquals(2, host.counter("dataplane: slow path to agent"));
            assertEquals(0, host.counter("agent: DHCP replies to dataplane"), host.counters().toString());
            assertEquals(List.of(), PcapFile.read(tx), "frames sent to the VMs");
        }
    }

    /** Sets option 50 of a frame; its UDP checksum becomes 0, "none computed" (RFC 768). */
    private static void requestAddress(final byte[] frame, final int address)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final FrameView view = new FrameView();
        new FrameClassifier().classify(buffer, 0, frame.length, view);
        final DhcpPacket request = new DhcpPacket().wrap(buffer, view.payloadOffset(), view.payloadLength());
        buffer.putInt(request.findOption(DhcpOption.REQUESTED_IP), address, ByteOrder.BIG_ENDIAN);
        buffer.putShort(view.payloadOffset() - 2, (short)0);
    }
}
