package io.dvmc.frame;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.Captures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.dvmc.dhcp.Allocations;
import io.dvmc.dhcp.Captures;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameClassifierTest
{
    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();

    static List<String> clientFrames()
    {
        return Captures.CLIENT_FRAMES;
    }

    static List<String> serverFrames()
    {
        return Captures.SERVER_FRAMES;
    }

    static List<String> allFrames()
    {
        return Captures.allFrames();
    }

    @ParameterizedTest
    @MethodSource("clientFrames")
    void everyRealClientFrameIsClientDhcp(final String name)
    {
        assertEquals(FrameClass.CLIENT_DHCP, classify(Captures.bytes(name)));
        assertReadAsTsharkDoes(name);
    }

    @ParameterizedTest
    @MethodSource("serverFrames")
    void everyDnsmasqReplyIsServerDhcp(final String name)
    {
        assertEquals(FrameClass.SERVER_DHCP, classify(Captures.bytes(name)));
        assertReadAsTsharkDoes(name);
    }

    @Test
    void aDot1qTagShiftsEveryOffsetByFourAndIsReported()
    {
        final byte[] frame = Frames.tagged(Captures.bytes("udhcpc-discover"), 0x8100, 0xA02A); // PCP 5, VID 42

        assertEquals(FrameClass.CLIENT_DHCP, classify(frame));
        assertEquals(1, view.vlanCount());
        assertEquals(0x8100, view.outerTpid());
        assertEquals(0xA02A, view.outerTci());
        assertEquals(0, view.innerTci());
        assertEquals(18, view.l3Offset());
        assertEquals(38, view.l4Offset());
        assertEquals(46, view.payloadOffset());
        assertEquals(DhcpMessageType.DISCOVER, dhcpAtPayload(frame).messageType());
    }

    @Test
    void qinqTagsAreReadOuterThenInner()
    {
        final byte[] frame = Frames.tagged(Captures.bytes("dhcpcd-discover"), 0x88A8, 100, 0x8100, 43);

        assertEquals(FrameClass.CLIENT_DHCP, classify(frame));
        assertEquals(2, view.vlanCount());
        assertEquals(0x88A8, view.outerTpid());
        assertEquals(100, view.outerTci());
        assertEquals(0x8100, view.innerTpid());
        assertEquals(43, view.innerTci());
        assertEquals(22, view.l2HeaderLength());
        assertEquals(50, view.payloadOffset());
        assertEquals(mac("02:dc:00:00:00:03"), dhcpAtPayload(frame).chaddrMac());
    }

    @Test
    void theLegacy9100TpidCountsAsATag()
    {
        final byte[] frame = Frames.tagged(Captures.bytes("dnsmasq-offer"), 0x9100, 7);

        assertEquals(FrameClass.SERVER_DHCP, classify(frame));
        assertEquals(0x9100, view.outerTpid());
    }

    @Test
    void aThirdTagIsTooMany()
    {
        final byte[] frame = Frames.tagged(Captures.bytes("udhcpc-discover"), 0x88A8, 1, 0x8100, 2, 0x8100, 3);

        assertEquals(FrameClass.TOO_MANY_VLANS, classify(frame));
    }

    @Test
    void offsetsAreIndicesIntoTheBufferNotIntoTheFrame()
    {
        final byte[] frame = Captures.bytes("udhcpc-request-selecting");
        final byte[] buffer = new byte[frame.length + 200];
        System.arraycopy(frame, 0, buffer, 128, frame.length);

        assertEquals(FrameClass.CLIENT_DHCP, classifier.classify(new UnsafeBuffer(buffer), 128, frame.length, view));
        assertEquals(128, view.frameOffset());
        assertEquals(128 + 14, view.l3Offset());
        assertEquals(128 + 42, view.payloadOffset());
        assertEquals(14, view.l2HeaderLength());
    }

    @ParameterizedTest
    @MethodSource("allFrames")
    void everyTruncationOfARealFrameIsTruncated(final String name)
    {
        final byte[] frame = Captures.bytes(name);
        final byte[] tagged = Frames.tagged(frame, 0x88A8, 100, 0x8100, 43);
        for (int length = 0; length < frame.length; length++)
        {
            assertEquals(FrameClass.TRUNCATED, classify(Arrays.copyOf(frame, length)), "length " + length);
        }
        for (int length = 0; length < tagged.length; length++)
        {
            assertEquals(FrameClass.TRUNCATED, classify(Arrays.copyOf(tagged, length)), "tagged, length " + length);
        }
    }

    @Test
    void randomBitFlipsGiveACodeAndNeverThrow()
    {
        final Random random = new Random(20260601L);
        for (final String name : Captures.allFrames())
        {
            final byte[] original = Frames.tagged(Captures.bytes(name), 0x8100, 42);
            for (int round = 0; round < 2_000; round++)
            {
                final byte[] frame = original.clone();
                final int region = random.nextBoolean() ? 60 : frame.length; // mostly the headers
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--)
                {
                    frame[random.nextInt(region)] ^= (byte)(1 << random.nextInt(8));
                }
                final int result = classify(frame);

                assertTrue(result >= FrameClass.MIN_CODE && result <= FrameClass.MAX_CODE, "code " + result);
                if (result == FrameClass.CLIENT_DHCP || result == FrameClass.SERVER_DHCP)
                {
                    assertTrue(view.payloadOffset() + view.payloadLength() <= frame.length);
                    assertTrue(Frames.ipChecksumIsValid(frame, view.l3Offset()));
                }
            }
        }
    }

    @Test
    void arpAndIpv6AreOtherTraffic()
    {
        final byte[] frame = Captures.bytes("udhcpc-discover");
        Frames.put16(frame, 12, 0x0806);
        assertEquals(FrameClass.OTHER, classify(frame));
        assertEquals(0x0806, view.etherType());

        Frames.put16(frame, 12, 0x86DD);
        assertEquals(FrameClass.OTHER, classify(frame));
    }

    @Test
    void udpToOtherPortsAndOtherProtocolsAreOtherTraffic()
    {
        final byte[] dns = Captures.bytes("udhcpc-discover");
        Frames.put16(dns, 36, 53);
        assertEquals(FrameClass.OTHER, classify(dns));
        assertEquals(53, view.dstPort());
        assertEquals(42, view.payloadOffset());

        final byte[] tcp = Captures.bytes("udhcpc-discover");
        tcp[14 + 9] = 6;
        assertEquals(FrameClass.OTHER, classify(tcp));
        assertEquals(6, view.ipProtocol());
    }

    @Test
    void ipOptionsMoveTheUdpHeader()
    {
        final byte[] frame = Frames.withIpOptions(Captures.bytes("dhclient-request-selecting"));

        assertEquals(FrameClass.CLIENT_DHCP, classify(frame));
        assertEquals(24, view.ipHeaderLength());
        assertEquals(38, view.l4Offset());
        assertEquals(46, view.payloadOffset());
        assertEquals(DhcpMessageType.REQUEST, dhcpAtPayload(frame).messageType());
    }

    @Test
    void theFirstFragmentOfADhcpDatagramIsCountedAndLaterFragmentsAreNotOurs()
    {
        final byte[] first = Captures.bytes("udhcpc-discover");
        Frames.put16(first, 14 + 6, 0x2000); // more fragments
        Frames.fixIpChecksum(first, 14);
        assertEquals(FrameClass.IP_FRAGMENT, classify(first));

        final byte[] later = Captures.bytes("udhcpc-discover");
        Frames.put16(later, 14 + 6, 0x0010); // offset 128 bytes
        Frames.fixIpChecksum(later, 14);
        assertEquals(FrameClass.OTHER, classify(later));
    }

    @Test
    void theDontFragmentFlagAloneIsNoFragment()
    {
        final byte[] frame = Captures.bytes("udhcpc-discover");
        Frames.put16(frame, 14 + 6, 0x4000);
        Frames.fixIpChecksum(frame, 14);

        assertEquals(FrameClass.CLIENT_DHCP, classify(frame));
    }

    @Test
    void aWrongIpChecksumIsCaughtOnDhcpFrames()
    {
        final byte[] frame = Captures.bytes("dhclient-discover");
        frame[14 + 11] ^= 0x01;

        assertEquals(FrameClass.BAD_IP_CHECKSUM, classify(frame));
    }

    @Test
    void inconsistentIpHeadersAreBad()
    {
        final byte[] version6 = Captures.bytes("dhclient-discover");
        version6[14] = 0x65;
        assertEquals(FrameClass.BAD_IP_HEADER, classify(version6));

        final byte[] ihl4 = Captures.bytes("dhclient-discover");
        ihl4[14] = 0x44;
        assertEquals(FrameClass.BAD_IP_HEADER, classify(ihl4));

        final byte[] totalBelowHeader = Captures.bytes("dhclient-discover");
        Frames.put16(totalBelowHeader, 14 + 2, 19);
        assertEquals(FrameClass.BAD_IP_HEADER, classify(totalBelowHeader));
    }

    @Test
    void udpLengthsOutsideTheDatagramAreBad()
    {
        final byte[] shortUdp = Captures.bytes("dhcpcd-discover");
        Frames.put16(shortUdp, 38, 7);
        assertEquals(FrameClass.BAD_UDP_LENGTH, classify(shortUdp));

        final byte[] longUdp = Captures.bytes("dhcpcd-discover");
        Frames.put16(longUdp, 38, longUdp.length - 34 + 1);
        assertEquals(FrameClass.BAD_UDP_LENGTH, classify(longUdp));

        final byte[] ipTooShortForUdp = Captures.bytes("dhcpcd-discover");
        Frames.put16(ipTooShortForUdp, 14 + 2, 27);
        Frames.fixIpChecksum(ipTooShortForUdp, 14);
        assertEquals(FrameClass.BAD_UDP_LENGTH, classify(ipTooShortForUdp));
    }

    @Test
    void ethernetPaddingAfterTheDatagramIsIgnored()
    {
        final byte[] frame = Captures.bytes("dnsmasq-nak");
        final byte[] padded = Arrays.copyOf(frame, frame.length + 10);

        assertEquals(FrameClass.SERVER_DHCP, classify(padded));
        assertEquals(frame.length - 42, view.payloadLength());
        assertEquals(padded.length, view.frameLength());
    }

    @Test
    void aCorruptClientFrameIsABadUdpChecksumWhenThePortDidNotCheckIt()
    {
        final byte[] corrupt = Captures.bytes("udhcpc-discover");
        corrupt[corrupt.length - 1] ^= 0x5A;
        for (final int policy : new int[]{FrameClassifier.UDP_CHECKSUM_VERIFY,
            FrameClassifier.UDP_CHECKSUM_VERIFY_OR_PARTIAL})
        {
            assertEquals(FrameClass.BAD_UDP_CHECKSUM, classify(corrupt, policy));
            assertEquals(FrameClass.CLIENT_DHCP, classify(Captures.bytes("udhcpc-discover"), policy));
        }
        assertEquals(FrameClass.CLIENT_DHCP, classify(corrupt, FrameClassifier.UDP_CHECKSUM_VERIFIED));
        assertEquals(FrameClass.BAD_UDP_CHECKSUM,
            classify(Captures.bytes("udhcpc-discover"), FrameClassifier.UDP_CHECKSUM_BAD));
    }

    @Test
    void aZeroUdpChecksumIsNoChecksumAndIsAccepted()
    {
        final byte[] none = Captures.bytes("dhclient-discover");
        Frames.put16(none, 34 + 6, 0);
        assertEquals(FrameClass.CLIENT_DHCP, classify(none, FrameClassifier.UDP_CHECKSUM_VERIFY));
    }

    @Test
    void aLinuxPartialChecksumIsAcceptedOnlyFromAPortThatDeliversThem()
    {
        // Captured on a veth: udhcpc's RENEWING REQUEST from a kernel socket under tx offload (CHECKSUM_PARTIAL).
        final byte[] partial = Captures.bytes("udhcpc-request-renewing");
        assertTrue(!Frames.udpChecksumIsValid(partial, 14));
        assertEquals(FrameClass.CLIENT_DHCP, classify(partial, FrameClassifier.UDP_CHECKSUM_VERIFY_OR_PARTIAL));
        assertEquals(FrameClass.BAD_UDP_CHECKSUM, classify(partial, FrameClassifier.UDP_CHECKSUM_VERIFY));
    }

    @Test
    void classifyingAllocatesNothing()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(Frames.tagged(Captures.bytes("dhcpcd-discover"), 0x8100, 42));
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += classifier.classify(frame, 0, frame.capacity(), view) + view.payloadOffset();
        }
        final long before = Allocations.ofThisThread();
        for (int i = 0; i < 20_000; i++)
        {
            sink += classifier.classify(frame, 0, frame.capacity(), view) + view.payloadOffset();
        }
        final long allocated = Allocations.ofThisThread() - before;
        assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
    }

    private int classify(final byte[] frame, final int udpChecksum)
    {
        return classifier.classify(new UnsafeBuffer(frame), 0, frame.length, view, udpChecksum);
    }

    private void assertReadAsTsharkDoes(final String name)
    {
        final Map<String, String> tshark = Captures.tshark(name);
        assertEquals(Integer.parseInt(tshark.get("frame.len")), view.frameLength());
        assertEquals(mac(tshark.get("eth.src")), view.srcMac());
        assertEquals(mac(tshark.get("eth.dst")), view.dstMac());
        assertEquals(ip(tshark.get("ip.src")), view.srcIp());
        assertEquals(ip(tshark.get("ip.dst")), view.dstIp());
        assertEquals(Integer.parseInt(tshark.get("udp.srcport")), view.srcPort());
        assertEquals(Integer.parseInt(tshark.get("udp.dstport")), view.dstPort());
        assertEquals(0, view.vlanCount());
        assertEquals(FrameClassifier.ETHER_TYPE_IPV4, view.etherType());
        assertEquals(14, view.l3Offset());
        assertEquals(20, view.ipHeaderLength());
        assertEquals(34, view.l4Offset());
        assertEquals(42, view.payloadOffset());
        assertEquals(view.frameLength() - 42, view.payloadLength());
        assertEquals(view.frameLength() - 14, view.ipTotalLength());
        assertEquals(view.frameLength() - 34, view.udpLength());
    }

    private int classify(final byte[] frame)
    {
        return classifier.classify(new UnsafeBuffer(frame), 0, frame.length, view);
    }

    private DhcpPacket dhcpAtPayload(final byte[] frame)
    {
        final DhcpPacket packet = new DhcpPacket().wrap(new UnsafeBuffer(frame), view.payloadOffset(),
            view.payloadLength());
        assertEquals(0, packet.validate());
        return packet;
    }
}
