package io.dvmc.frame;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.Captures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.dvmc.dhcp.Allocations;
import io.dvmc.dhcp.Captures;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.dhcp.OptionWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameWriterTest
{
    private static final long SERVER_MAC = mac("02:dc:00:00:00:fe");
    private static final int SERVER_IP = ip("192.0.2.1");
    private static final int YIADDR = ip("192.0.2.147");

    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView request = new FrameView();
    private final FrameView reply = new FrameView();
    private final FrameWriter frameWriter = new FrameWriter();
    private final DhcpReplyWriter dhcpWriter = new DhcpReplyWriter();
    private final DhcpPacket dhcp = new DhcpPacket();
    private final ReplyAddressing addressing = new ReplyAddressing();
    private final UnsafeBuffer domain = new UnsafeBuffer(new byte[256]);
    private int domainLength;

    @BeforeEach
    void encodeDomainOptions()
    {
        final OptionWriter options = new OptionWriter().wrap(domain, 0, domain.capacity());
        options.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        options.putInt(DhcpOption.ROUTER, SERVER_IP);
        options.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{ip("192.0.2.53")}, 1);
        domainLength = options.length();
    }

    @Test
    void anOfferBuiltInPlaceOverARealDiscoverHasValidChecksumsAndParsesBack()
    {
        final byte[] bytes = room(Captures.bytes("udhcpc-discover"));
        final int length = offerInPlace(bytes, Captures.bytes("udhcpc-discover").length);

        assertTrue(Frames.ipChecksumIsValid(bytes, 14));
        assertTrue(Frames.udpChecksumIsValid(bytes, 14));
        assertEquals(FrameClass.SERVER_DHCP, classifier.classify(new UnsafeBuffer(bytes), 0, length, reply));
        assertEquals(SERVER_MAC, reply.srcMac());
        assertEquals(mac("02:dc:00:00:00:01"), reply.dstMac(), "unicast to chaddr: no broadcast bit");
        assertEquals(SERVER_IP, reply.srcIp());
        assertEquals(YIADDR, reply.dstIp());
        assertEquals(67, reply.srcPort());
        assertEquals(68, reply.dstPort());
        assertEquals(FrameWriter.TTL, reply.ttl());
        assertEquals(0, Frames.u16(bytes, 14 + 4), "IP id");
        assertEquals(0, Frames.u16(bytes, 14 + 6), "no DF, no fragment");
        final DhcpPacket offer = new DhcpPacket().wrap(new UnsafeBuffer(bytes), reply.payloadOffset(),
            reply.payloadLength());
        assertEquals(0, offer.validate());
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
        assertEquals(YIADDR, offer.yiaddr());
    }

    @Test
    void aReplyKeepsTheRequestsVlanTags()
    {
        final byte[] discover = Frames.tagged(Captures.bytes("udhcpc-discover"), 0x88A8, 0x2064, 0x8100, 43);
        final byte[] bytes = room(discover);
        final int length = offerInPlace(bytes, discover.length);

        assertEquals(FrameClass.SERVER_DHCP, classifier.classify(new UnsafeBuffer(bytes), 0, length, reply));
        assertEquals(2, reply.vlanCount());
        assertEquals(0x88A8, reply.outerTpid());
        assertEquals(0x2064, reply.outerTci());
        assertEquals(0x8100, reply.innerTpid());
        assertEquals(43, reply.innerTci());
        assertEquals(request.payloadOffset(), reply.payloadOffset());
        assertTrue(Frames.udpChecksumIsValid(bytes, reply.l3Offset()));
    }

    @Test
    void aRequestWithIpOptionsGetsAReplyWithoutThem()
    {
        final byte[] withOptions = Frames.withIpOptions(Captures.bytes("dhclient-request-selecting"));
        final UnsafeBuffer buffer = new UnsafeBuffer(room(withOptions));
        classifier.classify(buffer, 0, withOptions.length, request);

        assertEquals(request.payloadOffset() - 4, FrameWriter.replyPayloadOffset(request));

        final int length = offerInPlace(buffer.byteArray(), withOptions.length);
        assertEquals(FrameClass.SERVER_DHCP, classifier.classify(buffer, 0, length, reply));
        assertEquals(20, reply.ipHeaderLength());
        assertTrue(Frames.udpChecksumIsValid(buffer.byteArray(), 14));
    }

    @Test
    void aUdpChecksumThatComesOutZeroIsSentAsAllOnes()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        classifier.classify(new UnsafeBuffer(Captures.bytes("udhcpc-discover")), 0, 342, request);
        final int length = frameWriter.writeUdpReply(frame, 0, request, SERVER_MAC, 1, SERVER_IP, YIADDR, 67, 68, 2);
        final int checksum = Frames.u16(frame.byteArray(), 40);
        // A payload word equal to the checksum makes the one's complement sum 0xffff, so the checksum 0.
        Frames.put16(frame.byteArray(), 42, checksum);

        frameWriter.writeUdpReply(frame, 0, request, SERVER_MAC, 1, SERVER_IP, YIADDR, 67, 68, 2);

        assertEquals(44, length);
        assertEquals(0xFFFF, Frames.u16(frame.byteArray(), 40));
        assertTrue(Frames.udpChecksumIsValid(frame.byteArray(), 14));
    }

    @Test
    void refusesAFrameLongerThanItsBufferOrAnImpossiblePayload()
    {
        classifier.classify(new UnsafeBuffer(Captures.bytes("udhcpc-discover")), 0, 342, request);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[342]);

        assertEquals(342, frameWriter.writeUdpReply(frame, 0, request, 1, 2, 3, 4, 67, 68, 300));
        assertEquals(FrameWriter.BAD_LENGTH, frameWriter.writeUdpReply(frame, 0, request, 1, 2, 3, 4, 67, 68, 301));
        assertEquals(FrameWriter.BAD_LENGTH, frameWriter.writeUdpReply(frame, 0, request, 1, 2, 3, 4, 67, 68, -1));
    }

    @Test
    void tsharkReadsAWrittenReplyAsWeMeantIt(@TempDir final Path dir) throws Exception
    {
        final boolean tshark = Files.isExecutable(Path.of("/usr/bin/tshark"));
        if (!tshark && "true".equals(System.getenv("CI")))
        {
            fail("tshark is missing: deploy/install-deps.sh installs it");
        }
        Assumptions.assumeTrue(tshark, "tshark not installed");
        final byte[] discover = Frames.tagged(Captures.bytes("dhcpcd-discover"), 0x8100, 42);
        final byte[] bytes = room(discover);
        final int length = offerInPlace(bytes, discover.length);
        final Path pcap = dir.resolve("offer.pcap");
        Files.write(pcap, pcap(Arrays.copyOf(bytes, length)));

        final String fields = run("tshark", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|",
            "-e", "vlan.id", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "dhcp.option.dhcp",
            "-e", "dhcp.ip.your", "-e", "dhcp.option.ip_address_lease_time", "-e", "dhcp.option.renewal_time_value",
            "-e", "dhcp.option.rebinding_time_value", "-e", "dhcp.option.router");

        // checksum status 1 = good
        assertEquals("42|1|1|2|192.0.2.147|3600|1800|3150|192.0.2.1", fields.strip());
    }

    @Test
    void writingHeadersAllocatesNothing()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(room(Captures.bytes("udhcpc-discover")));
        classifier.classify(frame, 0, 342, request);
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += frameWriter.writeUdpReply(frame, 0, request, SERVER_MAC, 1, SERVER_IP, YIADDR, 67, 68, 300);
        }
        final long before = Allocations.ofThisThread();
        for (int i = 0; i < 20_000; i++)
        {
            sink += frameWriter.writeUdpReply(frame, 0, request, SERVER_MAC, 1, SERVER_IP, YIADDR, 67, 68, 300);
        }
        final long allocated = Allocations.ofThisThread() - before;
        assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
    }

    // What the dataplane does: classify, address, write the DHCP reply then the headers, all in one buffer.
    private int offerInPlace(final byte[] bytes, final int frameLength)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(bytes);
        assertEquals(FrameClass.CLIENT_DHCP, classifier.classify(frame, 0, frameLength, request));
        dhcp.wrap(frame, request.payloadOffset(), request.payloadLength());
        assertEquals(0, dhcp.validate());
        ReplyAddressing.resolve(dhcp, DhcpMessageType.OFFER, YIADDR, request.srcMac(), addressing);
        final int payloadOffset = FrameWriter.replyPayloadOffset(request);
        final int payloadLength = dhcpWriter.write(dhcp, DhcpMessageType.OFFER, YIADDR, SERVER_IP, 3600,
            domain, 0, domainLength, frame, payloadOffset, bytes.length - payloadOffset);
        assertTrue(payloadLength > 0);
        final int length = frameWriter.writeUdpReply(frame, 0, request, SERVER_MAC, addressing.dstMac(), SERVER_IP,
            addressing.dstIp(), 67, addressing.dstPort(), payloadLength);
        assertEquals(FrameWriter.replyPayloadOffset(request) + payloadLength, length);
        return length;
    }

    private static byte[] room(final byte[] frame)
    {
        return Arrays.copyOf(frame, 1514);
    }

    private static byte[] pcap(final byte[] frame)
    {
        final ByteBuffer pcap = ByteBuffer.allocate(24 + 16 + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        pcap.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        pcap.putInt(0).putInt(0).putInt(frame.length).putInt(frame.length).put(frame);
        return pcap.array();
    }

    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
