package io.dvmc.dhcp;

import static io.dvmc.dhcp.Captures.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class OptionWriterTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
    private final OptionWriter writer = new OptionWriter().wrap(buffer, 0, 2048);

    @Test
    void writesEachKindOfValueAsCodeLengthValue()
    {
        assertTrue(writer.putByte(DhcpOption.MESSAGE_TYPE, DhcpMessageType.OFFER));
        assertTrue(writer.putShort(DhcpOption.INTERFACE_MTU, 1400));
        assertTrue(writer.putInt(DhcpOption.ROUTER, ip("192.0.2.1")));
        assertTrue(writer.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{ip("192.0.2.53"), ip("192.0.2.54")}, 2));
        assertTrue(writer.putAscii(DhcpOption.DOMAIN_NAME, "example.test"));
        assertTrue(writer.end());

        assertEquals(
            "35 01 02 " +
                "1a 02 05 78 " +
                "03 04 c0 00 02 01 " +
                "06 08 c0 00 02 35 c0 00 02 36 " +
                "0f 0c 65 78 61 6d 70 6c 65 2e 74 65 73 74 " +
                "ff",
            hex(0, writer.length()));
    }

    @Test
    void copiesBytesAndEncodedOptionsAsTheyAre()
    {
        final UnsafeBuffer source = new UnsafeBuffer(new byte[]{9, 1, 2, 3, 4});

        assertTrue(writer.putBytes(DhcpOption.CLIENT_ID, source, 1, 3));
        assertTrue(writer.putEncoded(source, 0, 2));

        assertEquals("3d 03 01 02 03 09 01", hex(0, writer.length()));
    }

    @Test
    void encodesClasslessRoutesAsRfc3442Shows()
    {
        // RFC 3442 §1 examples, plus a /25 that needs all four octets and a default route with no octets.
        assertTrue(writer.putClasslessRoutes(
            DhcpOption.CLASSLESS_STATIC_ROUTE,
            new int[]{ip("10.17.0.0"), ip("10.27.129.0"), ip("10.229.0.128"), ip("0.0.0.0")},
            new int[]{16, 24, 25, 0},
            new int[]{ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.4")},
            4));

        assertEquals(
            "79 1d " +
                "10 0a 11 0a 00 00 01 " +
                "18 0a 1b 81 0a 00 00 02 " +
                "19 0a e5 00 80 0a 00 00 03 " +
                "00 0a 00 00 04",
            hex(0, writer.length()));
    }

    @Test
    void clearsDestinationBitsBeyondThePrefix()
    {
        assertTrue(writer.putClasslessRoutes(
            DhcpOption.CLASSLESS_STATIC_ROUTE, new int[]{ip("10.17.255.255")}, new int[]{12}, new int[]{1}, 1));

        assertEquals("79 07 0c 0a 10 00 00 00 01", hex(0, writer.length()));
    }

    @Test
    void refusesPrefixLengthsOutsideZeroToThirtyTwo()
    {
        assertFalse(writer.putClasslessRoutes(121, new int[]{0}, new int[]{33}, new int[]{0}, 1));
        assertFalse(writer.putClasslessRoutes(121, new int[]{0}, new int[]{-1}, new int[]{0}, 1));
        assertEquals(0, writer.length());
    }

    @Test
    void splitsValuesLongerThan255BytesIntoConsecutiveInstances()
    {
        final UnsafeBuffer value = new UnsafeBuffer(new byte[600]);
        for (int i = 0; i < 600; i++)
        {
            value.putByte(i, (byte)i);
        }

        assertTrue(writer.putBytes(DhcpOption.DOMAIN_SEARCH, value, 0, 600));

        assertEquals(600 + 3 * 2, writer.length());
        assertEquals("77 ff", hex(0, 2));
        assertEquals("77 ff", hex(257, 2));
        assertEquals("77 5a", hex(514, 2));
        assertEquals(254 & 0xFF, buffer.getByte(256) & 0xFF);
        assertEquals(255 & 0xFF, buffer.getByte(259) & 0xFF, "value continues in the next instance");
        assertEquals(599 & 0xFF, buffer.getByte(605) & 0xFF);
    }

    @Test
    void splitsAddressListsOnAddressBoundaries()
    {
        final int[] servers = new int[100];
        for (int i = 0; i < servers.length; i++)
        {
            servers[i] = ip("192.0.2.0") + i;
        }

        assertTrue(writer.putIpList(DhcpOption.NTP_SERVERS, servers, 100));

        assertEquals("2a fc", hex(0, 2), "63 addresses");
        assertEquals("2a 94", hex(254, 2), "37 addresses");
        assertEquals(ip("192.0.2.63"), buffer.getInt(256, ByteOrder.BIG_ENDIAN));
        assertEquals(400 + 4, writer.length());
    }

    @Test
    void aLongRouteListIsSplitToo()
    {
        final int count = 40; // 40 * 9 bytes = 360
        final int[] destinations = new int[count];
        final int[] prefixes = new int[count];
        final int[] routers = new int[count];
        for (int i = 0; i < count; i++)
        {
            destinations[i] = ip("172.16.0.0") + (i << 8) + 1;
            prefixes[i] = 32;
            routers[i] = ip("192.0.2.1");
        }

        assertTrue(
            writer.putClasslessRoutes(DhcpOption.CLASSLESS_STATIC_ROUTE, destinations, prefixes, routers, count));

        assertEquals(360 + 4, writer.length());
        assertEquals("79 ff", hex(0, 2));
        assertEquals("79 69", hex(257, 2));
    }

    @Test
    void writesNothingAndSaysSoWhenAnOptionDoesNotFit()
    {
        writer.wrap(buffer, 10, 7);

        assertTrue(writer.putInt(DhcpOption.SERVER_ID, 1));
        assertFalse(writer.putShort(DhcpOption.INTERFACE_MTU, 1500));
        assertFalse(writer.putAscii(DhcpOption.HOST_NAME, "vm"));
        assertFalse(writer.putIpList(DhcpOption.ROUTER, new int[]{1}, 1));
        assertFalse(writer.putEncoded(buffer, 0, 2));
        assertTrue(writer.end());
        assertFalse(writer.end());
        assertEquals(7, writer.length());
        assertEquals("36 04 00 00 00 01 ff", hex(10, 7));
    }

    @Test
    void aSplitValueThatWouldNotFitWholeIsNotStarted()
    {
        writer.wrap(buffer, 0, 300);

        assertFalse(writer.putBytes(DhcpOption.DOMAIN_SEARCH, buffer, 1000, 297), "297 + 2 headers of 2 > 300");
        assertTrue(writer.putBytes(DhcpOption.DOMAIN_SEARCH, buffer, 1000, 296));
        assertEquals(300, writer.length());
    }

    @Test
    void refusesPadAndEndAsOptionCodes()
    {
        assertFalse(writer.putByte(DhcpOption.PAD, 1));
        assertFalse(writer.putByte(DhcpOption.END, 1));
        assertFalse(writer.putByte(256, 1));
        assertEquals(0, writer.length());
    }

    @Test
    void anEmptyListWritesNothingAndAnEmptyValueWritesAZeroLengthOption()
    {
        assertTrue(writer.putIpList(DhcpOption.ROUTER, new int[0], 0));
        assertEquals(0, writer.length());

        assertTrue(writer.putAscii(80, "")); // rapid commit (RFC 4039) has no value
        assertEquals("50 00", hex(0, writer.length()));
    }

    @Test
    void replacesCharactersOutsideAsciiWithQuestionMarks()
    {
        assertTrue(writer.putAscii(DhcpOption.DOMAIN_NAME, "é.test"));

        assertEquals("0f 06 3f 2e 74 65 73 74", hex(0, writer.length()));
    }

    private String hex(final int offset, final int length)
    {
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", buffer.getByte(offset + i) & 0xFF));
        }
        return hex.toString();
    }
}
