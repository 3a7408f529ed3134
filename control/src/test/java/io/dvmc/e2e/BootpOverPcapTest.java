package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.Checksums;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (no privileges): BOOTP clients (RFC 951, no option 53) end to end on a pcap port. Raw BOOTREQUEST frames
 * are read by DPDK, go through the dataplane, the agent and the service, and the BOOTREPLYs in the tx pcap are what
 * the VMs would have seen. The domain's pool has two addresses, so a third client shows that an address a BOOTP
 * client holds goes to no one else.
 */
class BootpOverPcapTest
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final String WITH_COOKIE = "02:b0:07:00:00:01";
    private static final String WITHOUT_COOKIE = "02:b0:07:00:00:02";
    private static final String RESERVED = "02:b0:07:00:00:0a";
    private static final String THIRD = "02:b0:07:00:00:03";
    private static final int POOL_FIRST = Addresses.parseIpv4("10.0.0.100");
    private static final int POOL_LAST = Addresses.parseIpv4("10.0.0.101");
    private static final int RESERVED_IP = Addresses.parseIpv4("10.0.0.50");
    private static final int ROUTER = Addresses.parseIpv4("10.0.0.1");
    private static final int MASK = Addresses.parseIpv4("255.255.255.0");

    @TempDir
    Path dir;

    @Test
    void bootpClientsAreAnsweredWithAddressesTheyKeepAcrossRepeatsAndAServiceRestart() throws Exception
    {
        final List<DvmcHost.Binding> bindings = List.of(
            new DvmcHost.Binding("vm1", WITH_COOKIE, 100, UUID.randomUUID().toString()),
            new DvmcHost.Binding("vm1", WITHOUT_COOKIE, 100, UUID.randomUUID().toString()),
            new DvmcHost.Binding("vm1", RESERVED, 100, UUID.randomUUID().toString()),
            new DvmcHost.Binding("vm1", THIRD, 100, UUID.randomUUID().toString()));
        try (DvmcHost host = new DvmcHost(dir, List.of(port(1)), bindings, null))
        {
            host.domains(List.of("""
                { "id": 100, "name": "boot", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.0.100", "end": "10.0.0.101" } ],
                  "reservations": [ { "mac": "02:b0:07:00:00:0a", "ip": "10.0.0.50" } ],
                  "dns": [ "10.0.0.53" ], "leaseSeconds": 600 }"""));
            PcapFile.write(rx(1), List.of(
                bootRequest(WITH_COOKIE, 0x0B00_0001, true, false),
                bootRequest(WITHOUT_COOKIE, 0x0B00_0002, false, true),
                bootRequest(RESERVED, 0x0B00_0003, true, false),
                shortBootRequest(THIRD),
                garbledBootRequest(THIRD)));
            host.start();
            host.awaitCounter(host.dataplane(), "dataplane: tx frames", 3, Duration.ofSeconds(60));
            host.awaitCounter(host.dataplane(), "dataplane: BOOTP shorter than 300 bytes dropped", 1,
                Duration.ofSeconds(10));
            host.awaitCounter(host.dataplane(), "dataplane: bad DHCP dropped", 1, Duration.ofSeconds(10));
            assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());

            final Map<String, Reply> first = replies(tx(1));
            assertEquals(3, first.size(), "BOOTREPLYs: " + first.keySet());
            final Reply withCookie = first.get(WITH_COOKIE);
            final Reply withoutCookie = first.get(WITHOUT_COOKIE);
            assertAll(
                () -> assertTrue(inPool(withCookie.yiaddr), Addresses.ipv4(withCookie.yiaddr)),
                () -> assertTrue(withCookie.cookie, "the cookie of the request"),
                () -> assertEquals(MASK, withCookie.mask),
                () -> assertEquals(ROUTER, withCookie.router),
                () -> assertEquals(withCookie.yiaddr, withCookie.dstIp, "unicast to yiaddr (no broadcast bit)"),
                () -> assertEquals(Addresses.parseMac(WITH_COOKIE), withCookie.dstMac),
                () -> assertTrue(inPool(withoutCookie.yiaddr), Addresses.ipv4(withoutCookie.yiaddr)),
                () -> assertNotEquals(withCookie.yiaddr, withoutCookie.yiaddr),
                () -> assertFalse(withoutCookie.cookie, "no vendor area for a request without the cookie"),
                () -> assertEquals(0xFFFF_FFFF, withoutCookie.dstIp, "broadcast, as its flag asked"),
                () -> assertEquals(RESERVED_IP, first.get(RESERVED).yiaddr, "the MAC's reservation"));
            assertTsharkReadsBootReplies(tx(1));
            assertTrue(host.ctl("leases", "--json").contains(Addresses.ipv4(withCookie.yiaddr)),
                "the host holds the BOOTP client's lease");

            // The same MAC asks again: the same address.
            PcapFile.write(rx(2), List.of(bootRequest(WITH_COOKIE, 0x0B00_0011, true, false)));
            restartDataplane(host, bindings, 2);
            assertEquals(withCookie.yiaddr, replies(tx(2)).get(WITH_COOKIE).yiaddr, "a repeat");

            // After a service restart: still the same, and the third client finds the pool's two addresses held.
            host.service().stop(Duration.ofSeconds(20));
            host.startService();
            PcapFile.write(rx(3), List.of(
                bootRequest(WITH_COOKIE, 0x0B00_0021, true, false),
                bootRequest(THIRD, 0x0B00_0023, true, false)));
            restartDataplane(host, bindings, 3);
            host.awaitCounter(host.agent(), "agent: DVMC NAK no free address, VM not answered", 1,
                Duration.ofSeconds(30));
            final Map<String, Reply> third = replies(tx(3));
            assertEquals(withCookie.yiaddr, third.get(WITH_COOKIE).yiaddr, "after a service restart");
            assertEquals(List.of(WITH_COOKIE), List.copyOf(third.keySet()), "no address for the third client");
        }
    }

    /** A second opinion from an independent dissector (required in CI): BOOTREPLYs, no option 53, checksums good. */
    private static void assertTsharkReadsBootReplies(final Path pcap) throws Exception
    {
        io.dvmc.lab.Prerequisites.require("tshark (apt-get install tshark)",
            io.dvmc.lab.Prerequisites.hasCommand("tshark"));
        final Process tshark = new ProcessBuilder("tshark", "-r", pcap.toString(), "-T", "fields",
            "-e", "dhcp.type", "-e", "dhcp.option.dhcp", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE").start();
        final String out = new String(tshark.getInputStream().readAllBytes()).trim();
        assertEquals(0, tshark.waitFor());
        assertEquals(List.of("2\t\t1\t1", "2\t\t1\t1", "2\t\t1\t1"), List.of(out.split("\n")),
            "tshark's reading of the BOOTREPLYs");
    }

    private void restartDataplane(final DvmcHost host, final List<DvmcHost.Binding> bindings, final int run)
        throws Exception
    {
        final long replies = host.counter("agent: BOOTP replies to dataplane");
        host.rewrite(List.of(port(run)), bindings);
        host.startDataplane();
        host.awaitCounter(host.agent(), "agent: BOOTP replies to dataplane", replies + 1, Duration.ofSeconds(60));
        host.awaitCounter(host.dataplane(), "dataplane: tx frames", 1, Duration.ofSeconds(10));
        assertEquals(143, host.dataplane().stop(Duration.ofSeconds(20)), host.logs());
    }

    private DvmcHost.Port port(final int run)
    {
        return new DvmcHost.Port("vm1", "net_pcap0,rx_pcap=" + rx(run) + ",tx_pcap=" + tx(run));
    }

    private Path rx(final int run)
    {
        return dir.resolve("rx" + run + ".pcap");
    }

    private Path tx(final int run)
    {
        return dir.resolve("tx" + run + ".pcap");
    }

    private static boolean inPool(final int address)
    {
        return Integer.compareUnsigned(address, POOL_FIRST) >= 0 && Integer.compareUnsigned(address, POOL_LAST) <= 0;
    }

    /** What a VM saw in one BOOTREPLY, checked to be one: op 2, no option 53, at least 300 bytes. */
    private record Reply(int yiaddr, boolean cookie, int mask, int router, int dstIp, long dstMac)
    {
    }

    /** The BOOTREPLYs in a tx pcap, by chaddr. */
    private static Map<String, Reply> replies(final Path pcap) throws Exception
    {
        final Map<String, Reply> replies = new HashMap<>();
        for (final byte[] bytes : PcapFile.read(pcap))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(bytes);
            final FrameView view = new FrameView();
            assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(frame, 0, bytes.length, view));
            final DhcpPacket reply = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
            assertEquals(0, reply.validate());
            assertEquals(DhcpPacket.BOOTREPLY, reply.op());
            assertEquals(DhcpMessageType.BOOTP, reply.messageType());
            assertTrue(reply.length() >= DhcpPacket.MIN_BOOTP_LENGTH, "length " + reply.length());
            assertEquals(-1, reply.findOption(DhcpOption.SERVER_ID));
            assertEquals(-1, reply.findOption(DhcpOption.LEASE_TIME));
            replies.put(Addresses.mac(reply.chaddrMac()), new Reply(reply.yiaddr(), reply.hasMagicCookie(),
                ipOption(reply, DhcpOption.SUBNET_MASK), ipOption(reply, DhcpOption.ROUTER), view.dstIp(),
                view.dstMac()));
        }
        return replies;
    }

    private static int ipOption(final DhcpPacket p, final int code)
    {
        final int at = p.findOption(code);
        return at < 0 ? 0 : p.optionBuffer(code).getInt(at, NET);
    }

    /**
     * An RFC 951 BOOTREQUEST as a PROM client sends it: from 0.0.0.0:68 to 255.255.255.255:67, 300 bytes of BOOTP,
     * its 64-byte vend field the RFC 1497 cookie and END, or all zero. UDP checksum 0: none computed (RFC 768).
     */
    static byte[] bootRequest(final String mac, final int xid, final boolean cookie, final boolean broadcast)
    {
        final UnsafeBuffer bootp = new UnsafeBuffer(new byte[DhcpPacket.MIN_BOOTP_LENGTH]);
        bootp.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        bootp.putByte(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        bootp.putByte(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        bootp.putInt(DhcpPacket.XID_OFFSET, xid, NET);
        bootp.putShort(DhcpPacket.FLAGS_OFFSET, (short)(broadcast ? DhcpPacket.FLAG_BROADCAST : 0), NET);
        putMac(bootp, DhcpPacket.CHADDR_OFFSET, Addresses.parseMac(mac));
        if (cookie)
        {
            bootp.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, NET);
            bootp.putByte(DhcpPacket.OPTIONS_OFFSET, (byte)DhcpOption.END);
        }
        return udpFrame(mac, bootp.byteArray());
    }

    /** 250 bytes: the fixed part and 14 bytes of noise, no cookie (RFC 951 asks for 300). */
    private static byte[] shortBootRequest(final String mac)
    {
        final byte[] frame = bootRequest(mac, 0x0B00_0031, false, false);
        final UnsafeBuffer bootp = new UnsafeBuffer(frame, 42, DhcpPacket.MIN_BOOTP_LENGTH);
        for (int i = DhcpPacket.FIXED_LENGTH; i < 250; i++)
        {
            bootp.putByte(i, (byte)(0xA5 ^ i));
        }
        final byte[] payload = new byte[250];
        bootp.getBytes(0, payload);
        return udpFrame(mac, payload);
    }

    /** The cookie, then an option whose length runs past the message. */
    private static byte[] garbledBootRequest(final String mac)
    {
        final byte[] frame = bootRequest(mac, 0x0B00_0032, true, false);
        final UnsafeBuffer bootp = new UnsafeBuffer(frame, 42, DhcpPacket.MIN_BOOTP_LENGTH);
        bootp.putByte(DhcpPacket.OPTIONS_OFFSET, (byte)DhcpOption.HOST_NAME);
        bootp.putByte(DhcpPacket.OPTIONS_OFFSET + 1, (byte)200);
        return frame;
    }

    private static byte[] udpFrame(final String mac, final byte[] payload)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[42 + payload.length]);
        putMac(frame, 0, 0xFFFF_FFFF_FFFFL);
        putMac(frame, 6, Addresses.parseMac(mac));
        frame.putShort(12, (short)FrameClassifier.ETHER_TYPE_IPV4, NET);
        frame.putByte(14, (byte)0x45);
        frame.putShort(16, (short)(28 + payload.length), NET);
        frame.putByte(22, (byte)64);
        frame.putByte(23, (byte)FrameClassifier.IP_PROTOCOL_UDP);
        frame.putInt(30, 0xFFFF_FFFF, NET);
        frame.putShort(24, (short)Checksums.internetChecksum(frame, 14, 20), NET);
        frame.putShort(34, (short)FrameClassifier.DHCP_CLIENT_PORT, NET);
        frame.putShort(36, (short)FrameClassifier.DHCP_SERVER_PORT, NET);
        frame.putShort(38, (short)(8 + payload.length), NET);
        frame.putBytes(42, payload);
        return frame.byteArray();
    }

    private static void putMac(final UnsafeBuffer buffer, final int at, final long mac)
    {
        buffer.putShort(at, (short)(mac >>> 32), NET);
        buffer.putInt(at + 2, (int)mac, NET);
    }
}
