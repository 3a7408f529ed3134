package io.dvmc.dhcp;

import static io.dvmc.dhcp.Captures.hex;
import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.Captures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DhcpPacketTest
{
    private final DhcpPacket packet = new DhcpPacket();

    static Iterable<String> allFrames()
    {
        return Captures.allFrames();
    }

    @ParameterizedTest
    @MethodSource("allFrames")
    void readsEachRealCaptureAsTsharkDoes(final String name)
    {
        final Map<String, String> tshark = Captures.tshark(name);
        final DhcpPacket p = Captures.dhcp(Captures.frame(name), packet);

        assertEquals(0, p.validate(), () -> DhcpError.describe(p.validate()));
        assertEquals(Integer.parseInt(tshark.get("dhcp.type")), p.op());
        assertEquals(DhcpPacket.HTYPE_ETHERNET, p.htype());
        assertEquals(6, p.hlen());
        assertEquals(hex(tshark.get("dhcp.id")), p.xid());
        assertEquals(hex(tshark.get("dhcp.flags")), p.flags());
        assertEquals(mac(tshark.get("dhcp.hw.mac_addr").split(",")[0]), p.chaddrMac());
        assertEquals(ip(tshark.get("dhcp.ip.client")), p.ciaddr());
        assertEquals(ip(tshark.get("dhcp.ip.your")), p.yiaddr());
        assertEquals(Integer.parseInt(tshark.get("dhcp.option.dhcp")), p.messageType());
        assertEquals(ipOrZero(tshark.get("dhcp.option.requested_ip_address")), p.requestedIp());
        assertEquals(ipOrZero(tshark.get("dhcp.option.dhcp_server_id")), p.serverId());
        assertEquals(intOr(tshark.get("dhcp.option.ip_address_lease_time"), -1), p.leaseTime());
        assertEquals(tshark.get("dhcp.option.request_list_item"), requestList(p));
        assertEquals(tshark.get("dhcp.option.hostname"), ascii(p, p.hostNameOffset(), p.hostNameLength()));
        assertEquals(intOr(tshark.get("dhcp.option.renewal_time_value"), -1), intOption(p, DhcpOption.RENEWAL_TIME));
        assertEquals(
            intOr(tshark.get("dhcp.option.rebinding_time_value"), -1), intOption(p, DhcpOption.REBINDING_TIME));
        for (final String code : tshark.get("dhcp.option.type").split(","))
        {
            final int c = Integer.parseInt(code);
            if (c != DhcpOption.PAD && c != DhcpOption.END)
            {
                assertTrue(p.findOption(c) >= 0, () -> name + " has option " + c);
            }
        }
    }

    @Test
    void udhcpcIdentifiesItselfByTypeAndMac()
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame("udhcpc-discover"), packet);

        assertEquals(7, p.clientIdLength());
        assertEquals("01 02 dc 00 00 00 01", hexBytes(p, p.clientIdOffset(), p.clientIdLength()));
        assertEquals(DhcpMessageType.DISCOVER, p.messageType());
        assertEquals(576, p.maxMessageSize());
        assertFalse(p.isBroadcast());
    }

    @Test
    void dhcpcdIdentifiesItselfWithAnRfc4361Duid()
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame("dhcpcd-request-selecting"), packet);

        assertEquals(19, p.clientIdLength());
        assertEquals(0xFF, p.buffer().getByte(p.clientIdOffset()) & 0xFF, "type 255: IAID and DUID follow");
        assertEquals(ip("192.0.2.149"), p.requestedIp());
        assertTrue(p.requestsParameter(DhcpOption.CLASSLESS_STATIC_ROUTE));
        assertTrue(p.requestsParameter(DhcpOption.INTERFACE_MTU));
        assertFalse(p.requestsParameter(DhcpOption.NTP_SERVERS));
    }

    @Test
    void aRenewingRequestCarriesCiaddrAndNeitherServerIdNorRequestedIp()
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame("udhcpc-request-renewing"), packet);

        assertEquals(0, p.validate());
        assertEquals(DhcpMessageType.REQUEST, p.messageType());
        assertEquals(ip("192.0.2.147"), p.ciaddr());
        assertEquals(0, p.serverId());
        assertEquals(0, p.requestedIp());
    }

    @Test
    void dhclientSendsNoClientIdentifier()
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame("dhclient-discover"), packet);

        assertEquals(-1, p.clientIdOffset());
        assertEquals(0, p.clientIdLength());
        assertEquals(-1, p.optionLength(DhcpOption.CLIENT_ID));
    }

    @Test
    void aMessageWithoutMagicCookieIsBootpWithoutOptions()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-discover");
        frame.putInt(Captures.DHCP_OFFSET + DhcpPacket.MAGIC_COOKIE_OFFSET, 0);
        final DhcpPacket p = Captures.dhcp(frame, packet);

        assertEquals(0, p.validate());
        assertFalse(p.hasMagicCookie());
        assertEquals(DhcpMessageType.BOOTP, p.messageType());
        assertEquals(-1, p.findOption(DhcpOption.HOST_NAME));
        assertEquals(mac("02:dc:00:00:00:01"), p.chaddrMac());
    }

    @Test
    void theBootpFixedPartAloneIsEnoughAndOneByteLessIsTooShort()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-discover");

        assertEquals(0, packet.wrap(frame, Captures.DHCP_OFFSET, DhcpPacket.FIXED_LENGTH).validate());
        assertEquals(DhcpMessageType.BOOTP, packet.messageType());
        assertEquals(DhcpError.TOO_SHORT, packet.wrap(frame, Captures.DHCP_OFFSET, 235).validate());
    }

    @Test
    void opHtypeAndHlenMustBeBootpOverEthernet()
    {
        assertEquals(DhcpError.BAD_OP, validateWith(DhcpPacket.OP_OFFSET, 3));
        assertEquals(DhcpError.BAD_HTYPE, validateWith(DhcpPacket.HTYPE_OFFSET, 6));
        assertEquals(DhcpError.BAD_HLEN, validateWith(DhcpPacket.HLEN_OFFSET, 16));
    }

    @Test
    void anOptionRunningPastThePacketIsRejectedButAMissingEndIsNot()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-discover");
        final int end = endOfOptions(frame, Captures.DHCP_OFFSET);

        assertEquals(0, packet.wrap(frame, Captures.DHCP_OFFSET, end).validate(), "cut just before END");
        assertEquals(ip("0.0.0.0"), packet.requestedIp());
        assertEquals(7, packet.clientIdLength());
        assertEquals(DhcpError.OPTION_OVERRUN, packet.wrap(frame, Captures.DHCP_OFFSET, end - 1).validate());
        assertEquals(-1, packet.findOption(DhcpOption.CLIENT_ID), "the cut option is not visible");
        assertEquals(DhcpMessageType.DISCOVER, packet.messageType(), "options before the cut still are");
    }

    @Test
    void everyTruncationOfARealRequestIsRejectedOrReadSafely()
    {
        final UnsafeBuffer frame = Captures.frame("dhcpcd-request-selecting");
        final int full = Captures.dhcp(frame, packet).length();
        final int end = endOfOptions(frame, Captures.DHCP_OFFSET);
        for (int length = 0; length <= full; length++)
        {
            final int result = packet.wrap(frame, Captures.DHCP_OFFSET, length).validate();
            final int expected = length < DhcpPacket.FIXED_LENGTH
                ? DhcpError.TOO_SHORT
                : length >= end || length < DhcpPacket.OPTIONS_OFFSET || isBetweenOptions(frame, length)
                    ? 0
                    : DhcpError.OPTION_OVERRUN;
            assertEquals(expected, result, "length " + length);
            if (length >= DhcpPacket.FIXED_LENGTH)
            {
                readEverything(packet);
            }
        }
    }

    @Test
    void optionsOverloadedIntoFileThenSnameAreFound()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        final int base = Captures.DHCP_OFFSET;
        final int end = endOfOptions(frame, base);
        // options field: 52 = 3 (file and sname), then END
        frame.putByte(base + end, (byte)DhcpOption.OVERLOAD);
        frame.putByte(base + end + 1, (byte)1);
        frame.putByte(base + end + 2, (byte)3);
        frame.putByte(base + end + 3, (byte)DhcpOption.END);
        final OptionWriter writer = new OptionWriter();
        writer.wrap(frame, base + DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH);
        writer.putInt(DhcpOption.REQUESTED_IP, ip("192.0.2.77"));
        writer.putAscii(DhcpOption.HOST_NAME, "not-the-first");
        writer.end();
        writer.wrap(frame, base + DhcpPacket.SNAME_OFFSET, DhcpPacket.SNAME_LENGTH);
        writer.putInt(DhcpOption.SERVER_ID, ip("192.0.2.1"));
        writer.putAscii(DhcpOption.VENDOR_CLASS_ID, "in-sname");
        final DhcpPacket p = packet.wrap(frame, base, end + 4);

        assertEquals(0, p.validate());
        assertEquals(3, p.overload());
        assertEquals(ip("192.0.2.77"), p.requestedIp());
        assertEquals(ip("192.0.2.1"), p.serverId());
        assertEquals("in-sname", ascii(p, p.findOption(DhcpOption.VENDOR_CLASS_ID), 8));
        assertEquals("vm-dhclientnot-the-first", asciiOption(p, DhcpOption.HOST_NAME),
            "RFC 3396 §7: the options field, then file, joined");
    }

    @Test
    void anOverloadedFieldIsNotReadWithoutOption52AndAnOverrunInsideItIsAnError()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        final int base = Captures.DHCP_OFFSET;
        final int end = endOfOptions(frame, base);
        frame.putByte(base + DhcpPacket.FILE_OFFSET + DhcpPacket.FILE_LENGTH - 2, (byte)DhcpOption.HOST_NAME);
        frame.putByte(base + DhcpPacket.FILE_OFFSET + DhcpPacket.FILE_LENGTH - 1, (byte)5);

        assertEquals(0, packet.wrap(frame, base, end + 1).validate());

        frame.putByte(base + end, (byte)DhcpOption.OVERLOAD);
        frame.putByte(base + end + 1, (byte)1);
        frame.putByte(base + end + 2, (byte)1);
        frame.putByte(base + end + 3, (byte)DhcpOption.END);
        assertEquals(DhcpError.OPTION_OVERRUN, packet.wrap(frame, base, end + 4).validate());

        frame.putByte(base + end + 2, (byte)4);
        assertEquals(DhcpError.BAD_OVERLOAD, packet.wrap(frame, base, end + 4).validate());
    }

    @Test
    void fixedSizeOptionsWithTheWrongLengthAreRejected()
    {
        assertEquals(DhcpError.BAD_MESSAGE_TYPE, validateWithOption(DhcpOption.MESSAGE_TYPE, 2));
        assertEquals(DhcpError.BAD_OPTION_LENGTH, validateWithOption(DhcpOption.REQUESTED_IP, 3));
        assertEquals(DhcpError.BAD_OPTION_LENGTH, validateWithOption(DhcpOption.SERVER_ID, 5));
        assertEquals(DhcpError.BAD_OPTION_LENGTH, validateWithOption(DhcpOption.LEASE_TIME, 2));
        assertEquals(DhcpError.BAD_OPTION_LENGTH, validateWithOption(DhcpOption.MAX_MESSAGE_SIZE, 4));
    }

    @Test
    void everyInstanceOfARepeatedOptionIsJoinedInOrderHoweverShort()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        final int end = endOfOptions(frame, Captures.DHCP_OFFSET);
        new OptionWriter().wrap(frame, Captures.DHCP_OFFSET + end, 20).putAscii(DhcpOption.HOST_NAME, "second");

        assertEquals(0, packet.wrap(frame, Captures.DHCP_OFFSET, end + 8).validate());
        assertEquals("vm-dhclientsecond", asciiOption(packet, DhcpOption.HOST_NAME));
        assertEquals(17, packet.hostNameLength());
    }

    @Test
    void aParameterRequestListSplitOverTwoInstancesIsReadWhole()
    {
        final UnsafeBuffer frame = Captures.splitOption(
            Captures.frame("dhclient-discover"), DhcpOption.PARAMETER_REQUEST_LIST, 4);
        final DhcpPacket p = Captures.dhcp(frame, packet);

        assertEquals(0, p.validate());
        assertEquals(Captures.tshark("dhclient-discover").get("dhcp.option.request_list_item"), requestList(p));
        assertTrue(p.requestsParameter(DhcpOption.CLASSLESS_STATIC_ROUTE), "121 is in the second instance");
        assertTrue(p.requestsParameter(DhcpOption.INTERFACE_MTU), "26 is in the second instance");
        assertEquals("vm-dhclient", asciiOption(p, DhcpOption.HOST_NAME), "an option seen once stays in place");
        assertEquals(p.buffer(), p.optionBuffer(DhcpOption.HOST_NAME));
    }

    @Test
    void aFixedSizeOptionIsCheckedJoinedAndAClientIdLongerThanOneInstanceIsRejected()
    {
        final UnsafeBuffer frame = Captures.splitOption(
            Captures.frame("dhclient-request-selecting"), DhcpOption.REQUESTED_IP, 2);
        assertEquals(0, Captures.dhcp(frame, packet).validate());
        assertEquals(ip("192.0.2.148"), packet.requestedIp(), "two 2-byte instances make one address");

        final UnsafeBuffer twice = Captures.frame("dhclient-discover");
        final int end = endOfOptions(twice, Captures.DHCP_OFFSET);
        final OptionWriter writer = new OptionWriter().wrap(twice, Captures.DHCP_OFFSET + end, 20);
        writer.putByte(DhcpOption.MESSAGE_TYPE, DhcpMessageType.REQUEST);
        writer.end();
        assertEquals(DhcpError.BAD_MESSAGE_TYPE, packet.wrap(twice, Captures.DHCP_OFFSET, end + 4).validate(),
            "53 twice is a 2-byte message type");

        final UnsafeBuffer longId = new UnsafeBuffer(new byte[1024]);
        longId.putBytes(0, Captures.frame("dhclient-discover"), 0, Captures.DHCP_OFFSET + end);
        final OptionWriter ids = new OptionWriter().wrap(longId, Captures.DHCP_OFFSET + end, 600);
        ids.putBytes(DhcpOption.CLIENT_ID, new UnsafeBuffer(new byte[256]), 0, 256);
        ids.end();
        assertEquals(DhcpError.BAD_OPTION_LENGTH,
            packet.wrap(longId, Captures.DHCP_OFFSET, end + ids.length()).validate());
    }

    @Test
    void parsingARequestWithASplitOptionAllocatesNothingOnceWarm()
    {
        final UnsafeBuffer frame = Captures.splitOption(
            Captures.frame("dhcpcd-request-selecting"), DhcpOption.PARAMETER_REQUEST_LIST, 3);
        final int length = Captures.dhcp(frame, packet).length();
        long sink = 0;
        final long[] allocated = new long[4];
        for (int round = 0; round < allocated.length; round++)
        {
            final long before = Allocations.ofThisThread();
            for (int i = 0; i < 20_000; i++)
            {
                sink += parseAll(frame, length);
            }
            allocated[round] = Allocations.ofThisThread() - before;
        }
        // Early rounds may catch the JIT at work; anything per packet would be at least 16 bytes x 20 000 each round.
        assertTrue(Arrays.stream(allocated).min().orElseThrow() < 20_000,
            Arrays.toString(allocated) + " bytes allocated per round (sink " + sink + ")");
    }

    @Test
    void wrappingAnotherPacketForgetsTheOptionsOfTheLast()
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame("udhcpc-discover"), packet);
        assertTrue(p.hostNameOffset() >= 0);

        Captures.dhcp(Captures.frame("dnsmasq-nak"), packet);

        assertEquals(-1, packet.hostNameOffset());
        assertEquals(-1, packet.parameterRequestListOffset());
        assertEquals(DhcpMessageType.NAK, packet.messageType());
    }

    @Test
    void randomBitFlipsNeverThrow()
    {
        final Random random = new Random(20260601L);
        for (final String name : Captures.allFrames())
        {
            final byte[] original = Captures.bytes(name);
            for (int round = 0; round < 500; round++)
            {
                final byte[] bytes = Arrays.copyOf(original, original.length);
                for (int flips = 1 + random.nextInt(8); flips > 0; flips--)
                {
                    final int at = Captures.DHCP_OFFSET + random.nextInt(bytes.length - Captures.DHCP_OFFSET);
                    bytes[at] ^= (byte)(1 << random.nextInt(8));
                }
                final DhcpPacket p = packet.wrap(
                    new UnsafeBuffer(bytes), Captures.DHCP_OFFSET, bytes.length - Captures.DHCP_OFFSET);
                final int result = p.validate();
                assertTrue(result <= 0 && result >= DhcpError.BAD_DOMAIN_OPTIONS, DhcpError.describe(result));
                readEverything(p);
            }
        }
    }

    @Test
    void randomBytesNeverThrow()
    {
        final Random random = new Random(7L);
        final byte[] bytes = new byte[600];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        for (int round = 0; round < 5_000; round++)
        {
            random.nextBytes(bytes);
            buffer.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, ByteOrder.BIG_ENDIAN);
            packet.wrap(buffer, 0, random.nextInt(bytes.length + 1)).validate();
            readEverything(packet);
        }
    }

    @Test
    void parsingARequestAllocatesNothing()
    {
        final UnsafeBuffer frame = Captures.frame("dhcpcd-request-selecting");
        final int length = Captures.dhcp(frame, packet).length();
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += parseAll(frame, length);
        }
        final long before = Allocations.ofThisThread();
        for (int i = 0; i < 20_000; i++)
        {
            sink += parseAll(frame, length);
        }
        final long allocated = Allocations.ofThisThread() - before;
        // a one-off (a JIT transition) may show; anything per packet would be at least 16 bytes x 20 000
        assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
    }

    private long parseAll(final UnsafeBuffer frame, final int length)
    {
        packet.wrap(frame, Captures.DHCP_OFFSET, length);
        return packet.validate() + packet.messageType() + packet.requestedIp() + packet.serverId() +
            packet.chaddrMac() + packet.clientIdLength() + packet.parameterRequestListLength() +
            packet.hostNameLength() + (packet.requestsParameter(DhcpOption.ROUTER) ? 1 : 0);
    }

    private static void readEverything(final DhcpPacket p)
    {
        p.op();
        p.xid();
        p.flags();
        p.ciaddr();
        p.yiaddr();
        p.siaddr();
        p.giaddr();
        p.chaddrMac();
        p.messageType();
        p.requestedIp();
        p.serverId();
        p.leaseTime();
        p.maxMessageSize();
        p.overload();
        p.requestsParameter(DhcpOption.ROUTER);
        for (int code = 0; code < 256; code++)
        {
            final int at = p.findOption(code);
            if (at >= 0)
            {
                final int length = p.optionLength(code);
                final boolean joined = p.optionBuffer(code) != p.buffer();
                assertTrue(joined || at + length <= p.offset() + p.length(), "option " + code + " inside the packet");
                assertTrue(length <= p.length(), "option " + code + " no longer than the packet");
                if (length > 0)
                {
                    p.optionBuffer(code).getByte(at + length - 1);
                }
            }
        }
    }

    private int validateWith(final int field, final int value)
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-discover");
        frame.putByte(Captures.DHCP_OFFSET + field, (byte)value);
        return Captures.dhcp(frame, packet).validate();
    }

    private int validateWithOption(final int code, final int length)
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        final int base = Captures.DHCP_OFFSET;
        // replace the options with 53 = DISCOVER followed by the option under test
        int at = base + DhcpPacket.OPTIONS_OFFSET;
        if (code != DhcpOption.MESSAGE_TYPE)
        {
            frame.putByte(at++, (byte)DhcpOption.MESSAGE_TYPE);
            frame.putByte(at++, (byte)1);
            frame.putByte(at++, (byte)DhcpMessageType.DISCOVER);
        }
        frame.putByte(at++, (byte)code);
        frame.putByte(at++, (byte)length);
        at += length;
        frame.putByte(at++, (byte)DhcpOption.END);
        return packet.wrap(frame, base, at - base).validate();
    }

    // Relative offset of the END option of the options field.
    static int endOfOptions(final UnsafeBuffer frame, final int base)
    {
        int i = DhcpPacket.OPTIONS_OFFSET;
        while ((frame.getByte(base + i) & 0xFF) != DhcpOption.END)
        {
            final int code = frame.getByte(base + i) & 0xFF;
            i += code == DhcpOption.PAD ? 1 : 2 + (frame.getByte(base + i + 1) & 0xFF);
        }
        return i;
    }

    // True when a packet cut at this length ends exactly between two options of the dhcpcd capture.
    private static boolean isBetweenOptions(final UnsafeBuffer frame, final int length)
    {
        int i = DhcpPacket.OPTIONS_OFFSET;
        while (i < length)
        {
            i += 2 + (frame.getByte(Captures.DHCP_OFFSET + i + 1) & 0xFF);
        }
        return i == length;
    }

    private static int ipOrZero(final String dotted)
    {
        return dotted.isEmpty() ? 0 : ip(dotted);
    }

    private static int intOr(final String value, final int absent)
    {
        return value.isEmpty() ? absent : Integer.parseInt(value);
    }

    private static int intOption(final DhcpPacket p, final int code)
    {
        final int at = p.findOption(code);
        return at < 0 ? -1 : p.optionBuffer(code).getInt(at, ByteOrder.BIG_ENDIAN);
    }

    private static String requestList(final DhcpPacket p)
    {
        final StringBuilder list = new StringBuilder();
        for (int i = 0; i < p.parameterRequestListLength(); i++)
        {
            list.append(i == 0 ? "" : ",").append(
                p.optionBuffer(DhcpOption.PARAMETER_REQUEST_LIST).getByte(p.parameterRequestListOffset() + i) & 0xFF);
        }
        return list.toString();
    }

    static String ascii(final DhcpPacket p, final int offset, final int length)
    {
        return offset < 0 ? "" : p.buffer().getStringWithoutLengthAscii(offset, length);
    }

    /** The value of option {@code code}, all instances joined, as ASCII ("" when absent). */
    static String asciiOption(final DhcpPacket p, final int code)
    {
        final int at = p.findOption(code);
        return at < 0 ? "" : p.optionBuffer(code).getStringWithoutLengthAscii(at, p.optionLength(code));
    }

    static String hexBytes(final DhcpPacket p, final int offset, final int length)
    {
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", p.buffer().getByte(offset + i) & 0xFF));
        }
        return hex.toString();
    }
}
