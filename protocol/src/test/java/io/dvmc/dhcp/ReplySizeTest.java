package io.dvmc.dhcp;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.DhcpReplyWriterTest.option;
import static io.dvmc.dhcp.DhcpReplyWriterTest.optionCodes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Replies fit what the client accepts: long options split (RFC 3396), file and sname overloaded (RFC 2132 §9.3). */
class ReplySizeTest
{
    private static final int SERVER_ID = ip("192.0.2.1");
    private static final long MAC = 0x5254_0000_0002L;
    private static final byte GUARD = 0x5A;

    private final DhcpReplyWriter writer = new DhcpReplyWriter();
    private final DhcpPacket request = new DhcpPacket();
    private final DhcpPacket reply = new DhcpPacket();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1600]);
    private final UnsafeBuffer domain = new UnsafeBuffer(new byte[1024]);
    private final OptionWriter block = new OptionWriter().wrap(domain, 0, domain.capacity());

    @Test
    void anOptionLongerThan255BytesIsSplitAndJoinsBackWhole()
    {
        final byte[] search = filled(300, 7);
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        block.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(search), 0, search.length);
        new Requests(DhcpMessageType.DISCOVER, MAC).maxMessageSize(1500).asks(1, 119).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, out.capacity());

        assertEquals(List.of(53, 54, 51, 58, 59, 1, 119, 119), optionCodes(offer));
        assertArrayEquals(search, value(offer, DhcpOption.DOMAIN_SEARCH));
    }

    @Test
    void optionsThatDoNotFitTheOptionsFieldGoToFileThenSnameWithOption52()
    {
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        block.putInt(DhcpOption.ROUTER, ip("192.0.2.1"));
        final byte[] search = filled(250, 1); // fills most of the 308-byte options field of a 548-byte reply
        block.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(search), 0, search.length);
        final byte[] wpad = filled(100, 2); // fits file (127 bytes before its END)
        block.putBytes(252, new UnsafeBuffer(wpad), 0, wpad.length);
        final byte[] ntp = filled(40, 3); // file is full: fits sname (63)
        block.putBytes(DhcpOption.NTP_SERVERS, new UnsafeBuffer(ntp), 0, ntp.length);
        final byte[] tooLong = filled(200, 4); // fits nowhere: left out
        block.putBytes(253, new UnsafeBuffer(tooLong), 0, tooLong.length);
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 119, 252, 42, 253).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, out.capacity());

        assertTrue(offer.length() <= DhcpReplyWriter.DEFAULT_MAX_MESSAGE);
        assertEquals(3, offer.overload());
        assertArrayEquals(search, value(offer, DhcpOption.DOMAIN_SEARCH));
        assertArrayEquals(wpad, value(offer, 252));
        assertArrayEquals(ntp, value(offer, DhcpOption.NTP_SERVERS));
        assertEquals(null, option(offer, 253));
        assertEquals(252, offer.buffer().getByte(DhcpPacket.FILE_OFFSET) & 0xFF);
        assertEquals(DhcpOption.NTP_SERVERS, offer.buffer().getByte(DhcpPacket.SNAME_OFFSET) & 0xFF);
    }

    @Test
    void withRoomInTheOptionsFieldNothingIsOverloaded()
    {
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        final byte[] wpad = filled(100, 2);
        block.putBytes(252, new UnsafeBuffer(wpad), 0, wpad.length);
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 252).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, out.capacity());

        assertEquals(0, offer.overload());
        assertEquals(List.of(53, 54, 51, 58, 59, 1, 252), optionCodes(offer));
    }

    @Test
    void aNetbootClientsFileAndSnameHoldTheBootDirectivesNotOverflow()
    {
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        final byte[] search = filled(280, 1);
        block.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(search), 0, search.length);
        final byte[] wpad = filled(270, 2);
        block.putBytes(252, new UnsafeBuffer(wpad), 0, wpad.length);
        block.end();
        block.putAscii(ReplyDirectives.SERVER_NAME, "tftp");
        block.putAscii(ReplyDirectives.BOOT_FILE, "pxelinux.0");
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 119, 252, 66, 67).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, out.capacity());

        assertEquals(0, offer.overload());
        assertEquals("pxelinux.0", NetbootAndRawOptionsTest.field(offer, DhcpPacket.FILE_OFFSET, 128));
        assertEquals("tftp", NetbootAndRawOptionsTest.field(offer, DhcpPacket.SNAME_OFFSET, 64));
        assertEquals(null, option(offer, DhcpOption.DOMAIN_SEARCH));
        assertEquals(null, option(offer, 252));
    }

    @Test
    void aClientAnnouncingLessThan576BytesStillGetsA576ByteReplyAtMost()
    {
        final byte[] search = filled(400, 1);
        block.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(search), 0, search.length);
        final byte[] wpad = filled(250, 2);
        block.putBytes(252, new UnsafeBuffer(wpad), 0, wpad.length);
        new Requests(DhcpMessageType.DISCOVER, MAC).maxMessageSize(300).asks(119, 252).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, out.capacity());

        assertTrue(offer.length() <= 576 - 28, offer.length() + " bytes");
        assertArrayEquals(wpad, value(offer, 252));
    }

    /**
     * Random blocks, sizes and buffers: every reply validates strictly, keeps within the client's option 57 and the
     * buffer (bytes past it untouched), and every option it carries holds exactly the domain's value.
     */
    @Test
    void everyReplyReparsesStrictlyAndStaysWithinTheClientsMaximumAndTheBuffer()
    {
        final Random random = new Random(6);
        final int[] codes = {3, 6, 15, 26, 42, 119, 121, 224, 252, 254};
        for (int round = 0; round < 1000; round++)
        {
            block.wrap(domain, 0, domain.capacity());
            final byte[][] values = new byte[256][];
            block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
            for (final int code : codes)
            {
                if (random.nextBoolean())
                {
                    values[code] = filled(random.nextInt(random.nextInt(4) == 0 ? 500 : 80), code);
                    if (!block.putBytes(code, new UnsafeBuffer(values[code]), 0, values[code].length))
                    {
                        values[code] = null;
                    }
                }
            }
            final boolean boot = random.nextBoolean();
            if (boot)
            {
                block.end();
                block.putAscii(ReplyDirectives.BOOT_FILE, "x".repeat(1 + random.nextInt(127)));
                block.putAscii(ReplyDirectives.SERVER_NAME, "y".repeat(1 + random.nextInt(63)));
            }
            final int max = random.nextInt(4) == 0 ? 0 : 200 + random.nextInt(1400);
            final Requests r = new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 6, 15, 26, 42, 66, 67, 119,
                121, 224, 252, 254);
            if (max > 0)
            {
                r.maxMessageSize(max);
            }
            r.into(request);
            final int capacity = 300 + random.nextInt(1300);
            out.setMemory(0, out.capacity(), GUARD);

            final int length = writer.write(request, random.nextBoolean() ? DhcpMessageType.OFFER : DhcpMessageType.ACK,
                ip("192.0.2.100"), SERVER_ID, 600, domain, 0, block.length(), out, 0, capacity);

            final String context = "round " + round + " max " + max + " capacity " + capacity;
            assertTrue(length > 0, context + ": " + DhcpError.describe(length));
            final int limit = Math.min(capacity, max == 0 ? 548 : Math.max(max, 576) - 28);
            assertTrue(length <= limit, context + ": " + length);
            for (int i = limit; i < out.capacity(); i++)
            {
                assertEquals(GUARD, out.getByte(i), context + ": byte " + i + " written");
            }
            reply.wrap(out, 0, length);
            assertEquals(0, reply.validate(), context);
            assertEquals(DhcpMessageType.OFFER,
                reply.messageType() == DhcpMessageType.ACK ? DhcpMessageType.OFFER : reply.messageType(), context);
            for (final int code : codes)
            {
                if (reply.findOption(code) >= 0)
                {
                    assertArrayEquals(values[code], value(reply, code), context + " option " + code);
                }
            }
        }
    }

    private DhcpPacket write(final int type, final int capacity)
    {
        final int length = writer.write(request, type, ip("192.0.2.100"), SERVER_ID, 600,
            domain, 0, block.length(), out, 0, capacity);
        assertTrue(length > 0, () -> DhcpError.describe(length));
        reply.wrap(out, 0, length);
        assertEquals(0, reply.validate());
        return reply;
    }

    private static byte[] value(final DhcpPacket p, final int code)
    {
        final String hex = option(p, code);
        return hex == null ? null : HexFormat.ofDelimiter(" ").parseHex(hex);
    }

    private static byte[] filled(final int length, final int seed)
    {
        final byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = (byte)(seed + i);
        }
        return value;
    }
}
