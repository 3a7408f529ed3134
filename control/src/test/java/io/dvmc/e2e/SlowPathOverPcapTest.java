package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.policy.Domain;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (no privileges): the slow path end to end on a pcap port. A real udhcpc DISCOVER is read by DPDK from
 * the rx pcap, goes through the dataplane's ring to the agent, the agent asks the dvmc service over DVMC on
 * loopback, and the service's OFFER comes back as a standard DHCPOFFER in the tx pcap.
 */
class SlowPathOverPcapTest
{
    static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final String UDHCPC_MAC = "02:dc:00:00:00:01";
    private static final int UDHCPC_XID = 0x3ad6ff35;

    @TempDir
    Path dir;

    @Test
    void aDiscoverFromThePcapPortIsOfferedAnAddressOfItsDomainThroughAgentAndService() throws Exception
    {
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(rx, List.of(Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin"))));
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + tx)),
            List.of(new DvmcHost.Binding("vm1", UDHCPC_MAC, 200, UUID.randomUUID().toString())), null))
        {
            host.start();
            host.awaitCounter(host.dataplane(), "dataplane: tx frames", 1, Duration.ofSeconds(60));
            // 143: ended by SIGTERM after its shutdown hook closed the ports (and flushed the pcap), not killed.
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());

            final List<byte[]> sent = PcapFile.read(tx);
            assertEquals(1, sent.size(), "frames in the tx pcap");
            final UnsafeBuffer frame = new UnsafeBuffer(sent.get(0));
            final FrameView view = new FrameView();
            assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
            final DhcpPacket offer = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(0, offer.validate());
            final int yiaddr = offer.yiaddr();
            assertAll(
                () -> assertEquals(DhcpMessageType.OFFER, offer.messageType()),
                () -> assertEquals(UDHCPC_XID, offer.xid()),
                () -> assertEquals(Addresses.parseMac(UDHCPC_MAC), offer.chaddrMac()),
                () -> assertTrue(
                    yiaddr >= Addresses.parseIpv4("10.0.0.100") && yiaddr <= Addresses.parseIpv4("10.0.0.199"),
                    Addresses.ipv4(yiaddr) + " is not in the pool"),
                () -> assertEquals(Addresses.parseIpv4("10.0.0.1"), offer.serverId()),
                () -> assertEquals(600, offer.leaseTime()),
                () -> assertEquals(Addresses.parseIpv4("10.0.0.54"), ipOption(offer, DhcpOption.DOMAIN_NAME_SERVER)),
                () -> assertEquals(Addresses.parseIpv4("10.0.0.1"), ipOption(offer, DhcpOption.ROUTER)),
                () -> assertEquals(Domain.defaultServerMac(200), view.srcMac()),
                () -> assertEquals(Addresses.parseMac(UDHCPC_MAC), view.dstMac()),
                () -> assertEquals(Addresses.parseIpv4("10.0.0.1"), view.srcIp()),
                () -> assertEquals(yiaddr, view.dstIp()),
                () -> assertEquals(67, view.srcPort()),
                () -> assertEquals(68, view.dstPort()));
            assertTsharkReadsAnOffer(tx, Addresses.ipv4(yiaddr));
        }
    }

    /** A second opinion on the bytes from an independent dissector (required in CI, where it is installed). */
    private static void assertTsharkReadsAnOffer(final Path pcap, final String yiaddr) throws Exception
    {
        io.dvmc.lab.Prerequisites.require("tshark (apt-get install tshark)",
            io.dvmc.lab.Prerequisites.hasCommand("tshark"));
        final Process tshark = new ProcessBuilder("tshark", "-r", pcap.toString(), "-T", "fields",
            "-e", "dhcp.option.dhcp", "-e", "dhcp.ip.your", "-e", "dhcp.option.dhcp_server_id",
            "-e", "dhcp.option.interface_mtu", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
            .redirectErrorStream(false).start();
        final String out = new String(tshark.getInputStream().readAllBytes()).trim();
        assertEquals(0, tshark.waitFor());
        // No MTU: this udhcpc did not ask for option 26 (RFC 2132 §9.8). Checksum status 1: good.
        assertEquals("2\t" + yiaddr + "\t10.0.0.1\t\t1\t1", out, "tshark's reading of the OFFER");
    }

    @Test
    void aVlanTaggedDiscoverIsBoundByItsVlanAndAnsweredWithTheSameTag() throws Exception
    {
        final byte[] untagged = Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin"));
        final byte[] tagged = new byte[untagged.length + 4];
        System.arraycopy(untagged, 0, tagged, 0, 12);
        tagged[12] = (byte)0x81;
        tagged[13] = 0x00;
        tagged[14] = 0x00;
        tagged[15] = 42;
        System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(rx, List.of(tagged));
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("trunk", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + tx)),
            List.of(new DvmcHost.Binding("trunk", 42, UDHCPC_MAC, 100, UUID.randomUUID().toString())), null))
        {
            host.start();
            host.awaitCounter(host.dataplane(), "dataplane: tx frames", 1, Duration.ofSeconds(60));
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());

            final List<byte[]> sent = PcapFile.read(tx);
            assertEquals(1, sent.size(), "frames in the tx pcap");
            final UnsafeBuffer frame = new UnsafeBuffer(sent.get(0));
            final FrameView view = new FrameView();
            assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
            assertEquals(1, view.vlanCount());
            assertEquals(42, view.outerTci() & 0xFFF);
            final DhcpPacket offer = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(DhcpMessageType.OFFER, offer.messageType());
            assertEquals(Addresses.parseIpv4("10.0.0.53"), ipOption(offer, DhcpOption.DOMAIN_NAME_SERVER));
        }
    }

    @Test
    void hostileAndForeignFramesAreCountedAndDroppedAndTheRealClientIsStillAnswered() throws Exception
    {
        final byte[] discover = Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin"));
        final byte[] truncated = java.util.Arrays.copyOf(discover, 100);
        final byte[] noise = new byte[342];
        new java.util.Random(7).nextBytes(noise);
        final byte[] badIpChecksum = discover.clone();
        badIpChecksum[24] ^= 0x5A;
        final byte[] spoofedChaddr = discover.clone();
        spoofedChaddr[14 + 20 + 8 + DhcpPacket.CHADDR_OFFSET + 5] = 0x77;
        fixUdpChecksum(spoofedChaddr);
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(rx, List.of(
            Files.readAllBytes(CAPTURES.resolve("dnsmasq-offer.bin")), // a DHCP server inside a VM
            Files.readAllBytes(CAPTURES.resolve("dhclient-discover.bin")), // a MAC with no binding
            truncated, noise, badIpChecksum, spoofedChaddr,
            discover));
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + tx)),
            List.of(new DvmcHost.Binding("vm1", UDHCPC_MAC, 100, UUID.randomUUID().toString())), null))
        {
            host.start();
            host.awaitCounter(host.dataplane(), "dataplane: tx frames", 1, Duration.ofSeconds(60));
            assertAll(
                () -> assertEquals(7, host.counter("dataplane: rx frames")),
                () -> assertEquals(1, host.counter("dataplane: rogue server DHCP dropped")),
                () -> assertEquals(1, host.counter("dataplane: unbound MAC dropped")),
                () -> assertEquals(1, host.counter("dataplane: chaddr != source MAC dropped")),
                () -> assertEquals(3, host.counter("dataplane: malformed frames dropped") +
                    host.counter("dataplane: other frames dropped")),
                () -> assertEquals(1, host.counter("dataplane: slow path to agent")),
                () -> assertEquals(0, host.counter("agent: bad frames dropped")));
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());
            final List<byte[]> sent = PcapFile.read(tx);
            assertEquals(1, sent.size(), "frames in the tx pcap");
            final UnsafeBuffer frame = new UnsafeBuffer(sent.get(0));
            final FrameView view = new FrameView();
            new FrameClassifier().classify(frame, 0, frame.capacity(), view);
            final DhcpPacket offer = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(UDHCPC_XID, offer.xid());
            assertTrue(host.service().isAlive() && host.agent().isAlive());
        }
    }

    @Test
    void framesThatAreNotForDvmcAreForwardedToThePortsPeerWhileDhcpIsAnsweredOnThePort() throws Exception
    {
        final byte[] discover = Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin"));
        final byte[] dns = discover.clone();
        dns[14 + 20 + 2] = 0;
        dns[14 + 20 + 3] = 53;
        final byte[] arpForAnotherHost = Files.readAllBytes(CAPTURES.resolve("arp-request-for-server.bin"));
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        final Path uplinkRx = dir.resolve("uplink-rx.pcap");
        final Path uplinkTx = dir.resolve("uplink-tx.pcap");
        PcapFile.write(rx, List.of(dns, arpForAnotherHost, discover));
        PcapFile.write(uplinkRx, List.of());
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx + ",tx_pcap=" + tx, "forward:uplink"),
                new DvmcHost.Port("uplink", "net_pcap1,rx_pcap=" + uplinkRx + ",tx_pcap=" + uplinkTx)),
            List.of(new DvmcHost.Binding("vm1", UDHCPC_MAC, 100, UUID.randomUUID().toString())), null))
        {
            host.start();
            host.awaitCounter(host.dataplane(), "dataplane: port vm1 tx", 1, Duration.ofSeconds(60));
            host.awaitCounter(host.dataplane(), "dataplane: port uplink tx", 2, Duration.ofSeconds(10));
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());

            final List<byte[]> forwarded = PcapFile.read(uplinkTx);
            assertEquals(2, forwarded.size());
            assertTrue(java.util.Arrays.equals(dns, forwarded.get(0)), "forwarded as received");
            assertTrue(java.util.Arrays.equals(arpForAnotherHost, forwarded.get(1)), "forwarded as received");
            final List<byte[]> answered = PcapFile.read(tx);
            assertEquals(1, answered.size());
            final UnsafeBuffer frame = new UnsafeBuffer(answered.get(0));
            final FrameView view = new FrameView();
            new FrameClassifier().classify(frame, 0, frame.capacity(), view);
            assertEquals(DhcpMessageType.OFFER,
                new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength()).messageType());
        }
    }

    /** A sender that spoofs chaddr sends a valid checksum: only the chaddr check stops it. */
    private static void fixUdpChecksum(final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final int udp = 14 + 20;
        final int length = buffer.getShort(udp + 4, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
        buffer.putShort(udp + 6, (short)0);
        final long pseudo = io.dvmc.frame.Checksums.pseudoHeaderSum(
            buffer.getInt(14 + 12, java.nio.ByteOrder.BIG_ENDIAN),
            buffer.getInt(14 + 16, java.nio.ByteOrder.BIG_ENDIAN), 17, length);
        final int checksum = ~io.dvmc.frame.Checksums.fold(io.dvmc.frame.Checksums.sum(buffer, udp, length, pseudo));
        buffer.putShort(udp + 6, (short)checksum, java.nio.ByteOrder.BIG_ENDIAN);
    }

    static int ipOption(final DhcpPacket packet, final int code)
    {
        final int at = packet.findOption(code);
        return at < 0 ? 0 : packet.buffer().getInt(at, java.nio.ByteOrder.BIG_ENDIAN);
    }
}
