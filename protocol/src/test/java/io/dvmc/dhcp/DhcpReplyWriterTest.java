package io.dvmc.dhcp;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.Captures.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DhcpReplyWriterTest
{
    private static final int SERVER_ID = ip("192.0.2.1");
    private static final int LEASE = 3600;
    private static final int YIADDR = ip("192.0.2.149");

    private final DhcpReplyWriter writer = new DhcpReplyWriter();
    private final DhcpPacket request = new DhcpPacket();
    private final DhcpPacket reply = new DhcpPacket();
    private final DhcpPacket dnsmasq = new DhcpPacket();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1500]);
    private final UnsafeBuffer domain = new UnsafeBuffer(new byte[1024]);
    private int domainLength;

    /** The domain of the captures: what dnsmasq was configured with, plus NTP, MTU and a static route. */
    @BeforeEach
    void encodeDomainOptions()
    {
        final OptionWriter options = new OptionWriter().wrap(domain, 0, domain.capacity());
        options.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        options.putInt(DhcpOption.ROUTER, ip("192.0.2.1"));
        options.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{ip("192.0.2.53"), ip("192.0.2.54")}, 2);
        options.putAscii(DhcpOption.DOMAIN_NAME, "example.test");
        options.putShort(DhcpOption.INTERFACE_MTU, 1400);
        options.putInt(DhcpOption.BROADCAST_ADDRESS, ip("192.0.2.255"));
        options.putIpList(DhcpOption.NTP_SERVERS, new int[]{ip("192.0.2.123")}, 1);
        options.putClasslessRoutes(
            DhcpOption.CLASSLESS_STATIC_ROUTE, new int[]{ip("10.0.0.0")}, new int[]{8}, new int[]{ip("192.0.2.254")},
            1);
        domainLength = options.length();
    }

    @Test
    void anOfferToUdhcpcSaysWhatDnsmasqOffered()
    {
        final DhcpPacket offer = reply("udhcpc-discover", DhcpMessageType.OFFER, dnsmasq("dnsmasq-offer").yiaddr());

        assertEquals(0, offer.validate());
        assertEquals(DhcpPacket.BOOTREPLY, offer.op());
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
        assertEquals(dnsmasq.xid(), offer.xid());
        assertEquals(mac("02:dc:00:00:00:01"), offer.chaddrMac());
        assertEquals(ip("192.0.2.147"), offer.yiaddr());
        assertEquals(0, offer.ciaddr());
        assertEquals(0, offer.siaddr());
        assertEquals(0, offer.hops());
        assertEquals(0, offer.secs());
        assertSameOptions(dnsmasq, offer, 1, 3, 6, 15, 28, 51, 54, 58, 59);
        assertTrue(offer.length() >= DhcpPacket.MIN_BOOTP_LENGTH);
        assertSnameAndFileAreZero(offer);
    }

    @Test
    void anOfferEchoesTheClientIdentifierAndHonoursTheParameterRequestList()
    {
        final DhcpPacket offer = reply("udhcpc-discover", DhcpMessageType.OFFER, ip("192.0.2.147"));

        assertEquals("01 02 dc 00 00 00 01", option(offer, DhcpOption.CLIENT_ID), "RFC 6842");
        assertEquals("c0 00 02 7b", option(offer, DhcpOption.NTP_SERVERS), "42 was asked for");
        assertNull(option(offer, DhcpOption.INTERFACE_MTU), "26 was not asked for");
        assertNull(option(offer, DhcpOption.CLASSLESS_STATIC_ROUTE), "121 was not asked for");
        assertEquals(List.of(53, 54, 51, 58, 59, 61, 1, 3, 6, 15, 28, 42), optionCodes(offer));
    }

    @Test
    void anAckToUdhcpcsRequestSaysWhatDnsmasqAcknowledged()
    {
        final DhcpPacket ack = reply("udhcpc-request-selecting", DhcpMessageType.ACK, dnsmasq("dnsmasq-ack").yiaddr());

        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(dnsmasq.xid(), ack.xid());
        assertEquals(dnsmasq.yiaddr(), ack.yiaddr());
        assertEquals(dnsmasq.ciaddr(), ack.ciaddr());
        assertSameOptions(dnsmasq, ack, 1, 3, 6, 15, 28, 51, 54, 58, 59);
    }

    @Test
    void anAckToARenewalKeepsTheClientsAddressInCiaddr()
    {
        final DhcpPacket ack = reply("udhcpc-request-renewing", DhcpMessageType.ACK, ip("192.0.2.147"));
        dnsmasq("dnsmasq-ack-renewing");

        assertEquals(dnsmasq.ciaddr(), ack.ciaddr());
        assertEquals(dnsmasq.yiaddr(), ack.yiaddr());
        assertEquals(dnsmasq.xid(), ack.xid());
        assertEquals(LEASE, ack.leaseTime());
    }

    @Test
    void dhcpcdGetsTheMtuAndRoutesItAskedForAndNotTheRest()
    {
        final DhcpPacket ack = reply("dhcpcd-request-selecting", DhcpMessageType.ACK, ip("192.0.2.149"));

        assertEquals("05 78", option(ack, DhcpOption.INTERFACE_MTU));
        assertEquals("08 0a c0 00 02 fe", option(ack, DhcpOption.CLASSLESS_STATIC_ROUTE));
        assertEquals(19, ack.clientIdLength());
        assertNull(option(ack, DhcpOption.DOMAIN_NAME_SERVER));
        assertNull(option(ack, DhcpOption.DOMAIN_NAME));
        assertNull(option(ack, DhcpOption.NTP_SERVERS));
    }

    @Test
    void optionsAskedForInASecondInstanceOfTheParameterRequestListAreSent()
    {
        final UnsafeBuffer frame = Captures.splitOption(
            Captures.frame("dhcpcd-request-selecting"), DhcpOption.PARAMETER_REQUEST_LIST, 2);
        Captures.dhcp(frame, request);
        assertEquals(0, request.validate());

        final DhcpPacket ack = write(DhcpMessageType.ACK, ip("192.0.2.149"), LEASE);

        assertEquals("05 78", option(ack, DhcpOption.INTERFACE_MTU), "26 is in the second instance");
        assertEquals("08 0a c0 00 02 fe", option(ack, DhcpOption.CLASSLESS_STATIC_ROUTE), "121 is in the first");
        assertNull(option(ack, DhcpOption.DOMAIN_NAME_SERVER), "6 was asked for in neither");
    }

    @Test
    void aSplitClientIdentifierIsEchoedWhole()
    {
        final UnsafeBuffer frame = Captures.splitOption(
            Captures.frame("dhcpcd-request-selecting"), DhcpOption.CLIENT_ID, 5);
        Captures.dhcp(frame, request);
        assertEquals(0, request.validate());

        final DhcpPacket ack = write(DhcpMessageType.ACK, ip("192.0.2.149"), LEASE);

        assertEquals(19, ack.clientIdLength());
        assertEquals(option(Captures.dhcp(Captures.frame("dhcpcd-request-selecting"), dnsmasq), DhcpOption.CLIENT_ID),
            option(ack, DhcpOption.CLIENT_ID));
    }

    @Test
    void subnetMaskAndRouterAreSentEvenWhenNotAskedFor()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        final DhcpPacket p = Captures.dhcp(frame, request);
        final int list = p.parameterRequestListOffset();
        frame.setMemory(list, p.parameterRequestListLength(), (byte)DhcpOption.DOMAIN_NAME_SERVER);

        final int length = writer.write(request, DhcpMessageType.OFFER, ip("192.0.2.148"), SERVER_ID, LEASE,
            domain, 0, domainLength, out, 0, out.capacity());

        assertEquals(List.of(53, 54, 51, 58, 59, 1, 3, 6), optionCodes(reply.wrap(out, 0, length)));
    }

    @Test
    void aRequestWithoutAParameterRequestListGetsEveryDomainOption()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-discover");
        final DhcpPacket p = Captures.dhcp(frame, request);
        frame.putByte(p.parameterRequestListOffset() - 2, (byte)224); // 55 becomes a site-specific option
        Captures.dhcp(frame, request);

        final int length = writer.write(request, DhcpMessageType.OFFER, ip("192.0.2.147"), SERVER_ID, LEASE,
            domain, 0, domainLength, out, 0, out.capacity());

        assertEquals(List.of(53, 54, 51, 58, 59, 61, 1, 3, 6, 15, 26, 28, 42, 121),
            optionCodes(reply.wrap(out, 0, length)));
    }

    @Test
    void aNakCarriesWhatDnsmasqsNakCarries()
    {
        dnsmasq("dnsmasq-nak");
        final OptionWriter block = new OptionWriter().wrap(domain, 0, domain.capacity());
        block.putInt(DhcpOption.ROUTER, ip("192.0.2.1"));
        block.putBytes(DhcpOption.MESSAGE, dnsmasq.buffer(), dnsmasq.findOption(DhcpOption.MESSAGE),
            dnsmasq.optionLength(DhcpOption.MESSAGE));
        domainLength = block.length();

        final DhcpPacket nak = reply("dhclient-request-init-reboot", DhcpMessageType.NAK, ip("192.0.2.250"));

        assertEquals(0, nak.validate());
        assertEquals(optionCodes(dnsmasq), optionCodes(nak));
        assertSameOptions(dnsmasq, nak, 53, 54, 56);
        assertEquals("wrong address", DhcpPacketTest.ascii(nak, nak.findOption(56), nak.optionLength(56)));
        assertEquals(0, nak.yiaddr());
        assertEquals(0, nak.ciaddr());
        assertEquals(dnsmasq.xid(), nak.xid());
    }

    @Test
    void aNakThroughARelayAsksTheRelayToBroadcast()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-request-init-reboot");
        frame.putInt(Captures.DHCP_OFFSET + DhcpPacket.GIADDR_OFFSET, ip("198.51.100.1"), ByteOrder.BIG_ENDIAN);
        Captures.dhcp(frame, request);

        final int length = writer.write(request, DhcpMessageType.NAK, 0, SERVER_ID, LEASE, domain, 0, 0, out, 0, 600);
        reply.wrap(out, 0, length);

        assertTrue(reply.isBroadcast());
        assertEquals(ip("198.51.100.1"), reply.giaddr());
    }

    @Test
    void aBootpRequestWithTheCookieGetsABootReplyWithTheDomainsMaskAndRouterInThreeHundredBytes()
    {
        bootpRequest(true);
        out.setMemory(0, out.capacity(), (byte)0x5A);

        final DhcpPacket reply = strictBootReply(writeBootp(), true);

        assertEquals(ip("192.0.2.147"), reply.yiaddr());
        assertEquals("ff ff ff 00", option(reply, DhcpOption.SUBNET_MASK));
        assertEquals("c0 00 02 01", option(reply, DhcpOption.ROUTER));
        assertEquals(List.of(1, 3, 6, 15, 26, 28, 42), optionCodes(reply), "what fits the 60-byte vend field");
    }

    @Test
    void aBootpRequestWithoutTheCookieGetsAZeroedVendorArea()
    {
        bootpRequest(false);
        out.setMemory(0, out.capacity(), (byte)0x5A);

        final DhcpPacket reply = strictBootReply(writeBootp(), false);

        assertEquals(ip("192.0.2.147"), reply.yiaddr());
        assertEquals(List.of(), optionCodes(reply));
    }

    @Test
    void aBootReplyCarriesNoDhcpOnlyOptionEvenWhenTheRequestHadThem()
    {
        // A DHCP capture less its option 53: a client identifier, 55 and 57 stay.
        final UnsafeBuffer frame = Captures.frame("dhcpcd-request-selecting");
        final DhcpPacket p = Captures.dhcp(frame, request);
        frame.putByte(p.findOption(DhcpOption.MESSAGE_TYPE) - 2, (byte)DhcpOption.HOST_NAME);
        Captures.dhcp(frame, request);
        assertEquals(DhcpMessageType.BOOTP, request.messageType());

        final DhcpPacket reply = strictBootReply(writeBootp(), true);

        assertEquals(List.of(1, 3, 26, 28, 121), optionCodes(reply), "what its 55 asks for; 57 has room for 121");
    }

    @Test
    void aBootReplyKeepsTheRequestsCiaddrFlagsAndXidAndLeavesSiaddrAndFileZero()
    {
        final UnsafeBuffer bootp = bootpRequest(true);
        bootp.putInt(DhcpPacket.CIADDR_OFFSET, ip("192.0.2.147"), ByteOrder.BIG_ENDIAN);
        bootp.putShort(DhcpPacket.FLAGS_OFFSET, (short)DhcpPacket.FLAG_BROADCAST, ByteOrder.BIG_ENDIAN);
        request.wrap(bootp, 0, DhcpPacket.MIN_BOOTP_LENGTH);

        final DhcpPacket reply = strictBootReply(writeBootp(), true);

        assertEquals(ip("192.0.2.147"), reply.ciaddr());
        assertTrue(reply.isBroadcast());
        assertEquals(0x0B00_7C01, reply.xid());
        assertEquals(0, reply.siaddr());
        for (int i = DhcpPacket.SNAME_OFFSET; i < DhcpPacket.MAGIC_COOKIE_OFFSET; i++)
        {
            assertEquals(0, out.getByte(i), "sname/file at " + i);
        }
    }

    /** A 300-byte RFC 951 BOOTREQUEST: its vend field the RFC 1497 cookie and END, or 64 zero bytes. */
    private UnsafeBuffer bootpRequest(final boolean cookie)
    {
        final UnsafeBuffer bootp = new UnsafeBuffer(new byte[DhcpPacket.MIN_BOOTP_LENGTH]);
        bootp.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        bootp.putByte(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        bootp.putByte(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        bootp.putInt(DhcpPacket.XID_OFFSET, 0x0B00_7C01, ByteOrder.BIG_ENDIAN);
        bootp.putShort(DhcpPacket.CHADDR_OFFSET, (short)0x0200, ByteOrder.BIG_ENDIAN);
        bootp.putInt(DhcpPacket.CHADDR_OFFSET + 2, 0xB0_07_00_01, ByteOrder.BIG_ENDIAN);
        if (cookie)
        {
            bootp.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, ByteOrder.BIG_ENDIAN);
            bootp.putByte(DhcpPacket.OPTIONS_OFFSET, (byte)DhcpOption.END);
        }
        request.wrap(bootp, 0, bootp.capacity());
        assertEquals(0, request.validate());
        assertEquals(DhcpMessageType.BOOTP, request.messageType());
        return bootp;
    }

    private int writeBootp()
    {
        return writer.write(request, DhcpMessageType.BOOTP, ip("192.0.2.147"), SERVER_ID, LEASE, domain, 0,
            domainLength, out, 0, out.capacity());
    }

    /**
     * Re-parses a BOOTREPLY strictly: valid, 300 bytes unless option 57 allowed more, no DHCP-only option, the
     * cookie only where the request had it, nothing but zeros after END.
     */
    private DhcpPacket strictBootReply(final int length, final boolean cookie)
    {
        assertTrue(length >= DhcpPacket.MIN_BOOTP_LENGTH, DhcpError.describe(length));
        final DhcpPacket reply = this.reply.wrap(out, 0, length);
        assertEquals(0, reply.validate());
        assertEquals(DhcpPacket.BOOTREPLY, reply.op());
        assertEquals(DhcpMessageType.BOOTP, reply.messageType());
        assertEquals(cookie, reply.hasMagicCookie());
        for (final int dhcpOnly : new int[]{DhcpOption.MESSAGE_TYPE, DhcpOption.SERVER_ID, DhcpOption.LEASE_TIME,
            DhcpOption.RENEWAL_TIME, DhcpOption.REBINDING_TIME, DhcpOption.CLIENT_ID, DhcpOption.OVERLOAD})
        {
            assertEquals(-1, reply.findOption(dhcpOnly), "option " + dhcpOnly);
        }
        int end = DhcpPacket.FIXED_LENGTH;
        if (cookie)
        {
            end = DhcpPacket.OPTIONS_OFFSET;
            while ((out.getByte(end) & 0xFF) != DhcpOption.END)
            {
                end += (out.getByte(end) & 0xFF) == DhcpOption.PAD ? 1 : 2 + (out.getByte(end + 1) & 0xFF);
                assertTrue(end < length, "END within the reply");
            }
            end++;
        }
        if (request.maxMessageSize() == 0)
        {
            assertEquals(DhcpPacket.MIN_BOOTP_LENGTH, length, "the size of the request's 64-byte vend field");
        }
        for (int i = end; i < length; i++)
        {
            assertEquals(0, out.getByte(i), "zero after the vendor data, at " + i);
        }
        return reply;
    }

    @Test
    void anAckToInformCarriesNeitherAddressNorLease()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-request-renewing");
        final DhcpPacket p = Captures.dhcp(frame, request);
        frame.putByte(p.findOption(DhcpOption.MESSAGE_TYPE), (byte)DhcpMessageType.INFORM);
        Captures.dhcp(frame, request);

        final DhcpPacket ack = write(DhcpMessageType.ACK, ip("192.0.2.147"), LEASE);

        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(0, ack.yiaddr());
        assertEquals(ip("192.0.2.147"), ack.ciaddr());
        assertEquals(-1, ack.findOption(DhcpOption.LEASE_TIME));
        assertEquals(-1, ack.findOption(DhcpOption.RENEWAL_TIME));
        assertEquals(SERVER_ID, ack.serverId());
    }

    @Test
    void renewalAndRebindingTimesAreHalfAndSevenEighthsOfTheLease()
    {
        Captures.dhcp(Captures.frame("udhcpc-discover"), request);
        assertTimes(1001, 500, 875);

        Captures.dhcp(Captures.frame("udhcpc-discover"), request);
        assertTimes(0xF000_0000, 0x7800_0000, 0xD200_0000); // unsigned: more than 68 years
    }

    @Test
    void anInfiniteLeaseHasNoRenewalTimes()
    {
        Captures.dhcp(Captures.frame("udhcpc-discover"), request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER, ip("192.0.2.147"), -1);

        assertEquals("ff ff ff ff", option(offer, DhcpOption.LEASE_TIME));
        assertNull(option(offer, DhcpOption.RENEWAL_TIME));
        assertNull(option(offer, DhcpOption.REBINDING_TIME));
    }

    static List<String> clientFrames()
    {
        return Captures.CLIENT_FRAMES;
    }

    @ParameterizedTest
    @MethodSource("clientFrames")
    void rewritingARealRequestInPlaceGivesTheSameBytesAsWritingElsewhere(final String name)
    {
        for (final int type : new int[]{DhcpMessageType.OFFER, DhcpMessageType.ACK, DhcpMessageType.NAK})
        {
            Captures.dhcp(Captures.frame(name), request);
            final int expectedLength = writer.write(request, type, ip("192.0.2.147"), SERVER_ID, LEASE,
                domain, 0, domainLength, out, 0, out.capacity());
            final byte[] expected = new byte[expectedLength];
            out.getBytes(0, expected);

            final UnsafeBuffer frame = Captures.frame(name, 1500);
            Captures.dhcp(frame, request);
            final int length = writer.write(request, type, ip("192.0.2.147"), SERVER_ID, LEASE,
                domain, 0, domainLength, frame, Captures.DHCP_OFFSET, frame.capacity() - Captures.DHCP_OFFSET);
            final byte[] inPlace = new byte[length];
            frame.getBytes(Captures.DHCP_OFFSET, inPlace);

            assertTrue(expectedLength >= DhcpPacket.MIN_BOOTP_LENGTH, DhcpError.describe(expectedLength));
            assertArrayEquals(expected, inPlace, name + " " + DhcpMessageType.name(type));
        }
    }

    @Test
    void optionsThatWouldExceedTheClientsMaximumMessageSizeAreLeftOutWhole()
    {
        final int count = 40; // 40 host routes: 360 bytes, two instances of 121
        final int[] destinations = new int[count];
        final int[] prefixes = new int[count];
        final int[] routers = new int[count];
        for (int i = 0; i < count; i++)
        {
            destinations[i] = ip("172.16.0.1") + (i << 8);
            prefixes[i] = 32;
            routers[i] = ip("192.0.2.1");
        }
        final OptionWriter block = new OptionWriter().wrap(domain, 0, domain.capacity());
        block.putClasslessRoutes(DhcpOption.CLASSLESS_STATIC_ROUTE, destinations, prefixes, routers, count);
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        block.putShort(DhcpOption.INTERFACE_MTU, 1400);
        domainLength = block.length();

        final UnsafeBuffer frame = Captures.frame("dhcpcd-request-selecting");
        final DhcpPacket p = Captures.dhcp(frame, request);
        assertEquals(1472, p.maxMessageSize());
        final DhcpPacket big = write(DhcpMessageType.ACK, ip("192.0.2.149"), LEASE);
        assertEquals(List.of(53, 54, 51, 58, 59, 61, 121, 121, 1, 26), optionCodes(big));

        frame.putShort(p.findOption(DhcpOption.MAX_MESSAGE_SIZE), (short)576, ByteOrder.BIG_ENDIAN);
        Captures.dhcp(frame, request);
        final DhcpPacket small = write(DhcpMessageType.ACK, ip("192.0.2.149"), LEASE);
        assertEquals(List.of(53, 54, 51, 58, 59, 61, 1, 26), optionCodes(small));
        assertTrue(small.length() <= 576 - 28);
    }

    @Test
    void withoutOption57TheReplyStaysWithin548Bytes()
    {
        Captures.dhcp(Captures.frame("dhclient-discover"), request);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[400]);
        final OptionWriter block = new OptionWriter().wrap(domain, 0, domain.capacity());
        block.putBytes(DhcpOption.DOMAIN_SEARCH, value, 0, 400);
        block.putInt(DhcpOption.ROUTER, ip("192.0.2.1"));
        domainLength = block.length();

        final int length = writer.write(request, DhcpMessageType.OFFER, ip("192.0.2.148"), SERVER_ID, LEASE,
            domain, 0, domainLength, out, 0, out.capacity());

        assertEquals(List.of(53, 54, 51, 58, 59, 3), optionCodes(reply.wrap(out, 0, length)));
        assertTrue(length <= DhcpReplyWriter.DEFAULT_MAX_MESSAGE);
    }

    @Test
    void refusesWhatItCannotAnswerAndLeavesTheOutputAlone()
    {
        final byte[] untouched = new byte[out.capacity()];
        Arrays.fill(untouched, (byte)0x5A);
        out.setMemory(0, out.capacity(), (byte)0x5A);

        dnsmasq("dnsmasq-offer");
        assertEquals(DhcpError.NOT_A_REQUEST, writer.write(dnsmasq, DhcpMessageType.OFFER, 1, SERVER_ID, LEASE,
            domain, 0, domainLength, out, 0, out.capacity()));

        Captures.dhcp(Captures.frame("udhcpc-discover"), request);
        assertEquals(DhcpError.UNSUPPORTED_REPLY_TYPE, writer.write(request, DhcpMessageType.REQUEST, 1, SERVER_ID,
            LEASE, domain, 0, domainLength, out, 0, out.capacity()));
        assertEquals(DhcpError.BUFFER_TOO_SMALL, writer.write(request, DhcpMessageType.OFFER, 1, SERVER_ID, LEASE,
            domain, 0, domainLength, out, 0, 299));
        domain.putByte(domainLength, (byte)DhcpOption.HOST_NAME);
        domain.putByte(domainLength + 1, (byte)10);
        assertEquals(DhcpError.BAD_DOMAIN_OPTIONS, writer.write(request, DhcpMessageType.OFFER, 1, SERVER_ID, LEASE,
            domain, 0, domainLength + 5, out, 0, out.capacity()));

        final byte[] after = new byte[out.capacity()];
        out.getBytes(0, after);
        assertArrayEquals(untouched, after);
    }

    @Test
    void aRequestWhoseFixedOptionsCannotFitIsLeftIntactWhenRewrittenInPlace()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover", 1500);
        final OptionWriter options = new OptionWriter().wrap(frame, Captures.DHCP_OFFSET + 240, 600);
        options.putByte(DhcpOption.MESSAGE_TYPE, DhcpMessageType.DISCOVER);
        options.putBytes(DhcpOption.CLIENT_ID, new UnsafeBuffer(new byte[255]), 0, 255);
        options.end();
        request.wrap(frame, Captures.DHCP_OFFSET, 240 + options.length());
        final byte[] before = new byte[1500];
        frame.getBytes(0, before);

        final int result = writer.write(request, DhcpMessageType.OFFER, 1, SERVER_ID, LEASE,
            domain, 0, domainLength, frame, Captures.DHCP_OFFSET, 300);

        assertEquals(DhcpError.BUFFER_TOO_SMALL, result);
        final byte[] after = new byte[1500];
        frame.getBytes(0, after);
        assertArrayEquals(before, after);
    }

    @Test
    void writingAReplyInPlaceAllocatesNothing()
    {
        final UnsafeBuffer frame = Captures.frame("dhcpcd-request-selecting", 1500);
        final byte[] original = Captures.bytes("dhcpcd-request-selecting");
        final int length = Captures.dhcp(frame, request).length();
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += replyInPlace(frame, original, length);
        }
        final long before = Allocations.ofThisThread();
        for (int i = 0; i < 20_000; i++)
        {
            sink += replyInPlace(frame, original, length);
        }
        final long allocated = Allocations.ofThisThread() - before;
        // a one-off (a JIT transition) may show; anything per packet would be at least 16 bytes x 20 000
        assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
    }

    private int replyInPlace(final UnsafeBuffer frame, final byte[] original, final int length)
    {
        frame.putBytes(0, original);
        request.wrap(frame, Captures.DHCP_OFFSET, length);
        request.validate();
        return writer.write(request, DhcpMessageType.ACK, YIADDR, SERVER_ID, LEASE,
            domain, 0, domainLength, frame, Captures.DHCP_OFFSET, 1500 - Captures.DHCP_OFFSET);
    }

    private void assertTimes(final int lease, final int t1, final int t2)
    {
        final DhcpPacket offer = write(DhcpMessageType.OFFER, 1, lease);

        assertEquals(lease, offer.leaseTime());
        assertEquals(t1, offer.buffer().getInt(offer.findOption(DhcpOption.RENEWAL_TIME), ByteOrder.BIG_ENDIAN));
        assertEquals(t2, offer.buffer().getInt(offer.findOption(DhcpOption.REBINDING_TIME), ByteOrder.BIG_ENDIAN));
    }

    @Test
    void aReplyToARelayedRequestEchoesTheRelaysOption82LastAndAClientsOwnIsNotEchoed()
    {
        final byte[] agent = io.dvmc.relay.RelayedRequests.agentInformation(1, new byte[]{7, 8}, 2,
            new byte[]{'l', 'e', 'a', 'f'});
        for (final int giaddr : new int[]{ip("10.0.1.2"), 0})
        {
            final byte[] bytes = io.dvmc.relay.RelayedRequests.discover(0x02AA_0000_0001L, giaddr, 1, agent);
            request.wrap(new UnsafeBuffer(bytes), 0, bytes.length);
            assertEquals(0, request.validate());
            final int length = writer.write(request, DhcpMessageType.OFFER, YIADDR, SERVER_ID, LEASE, domain, 0,
                domainLength, out, 0, out.capacity());
            reply.wrap(out, 0, length);
            assertEquals(0, reply.validate());
            final int at = reply.findOption(DhcpOption.RELAY_AGENT_INFORMATION);
            if (giaddr == 0)
            {
                assertEquals(-1, at, "a client's own option 82 is not a relay's to echo");
                continue;
            }
            assertEquals(giaddr, reply.giaddr());
            final byte[] echoed = new byte[reply.optionLength(DhcpOption.RELAY_AGENT_INFORMATION)];
            reply.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION).getBytes(at, echoed);
            assertArrayEquals(agent, echoed);
            // RFC 3046 §2.2: the last option, right before END.
            assertEquals(DhcpOption.END, out.getByte(at + agent.length) & 0xFF);
        }
    }

    private DhcpPacket reply(final String requestName, final int type, final int yiaddr)
    {
        Captures.dhcp(Captures.frame(requestName), request);
        assertEquals(0, request.validate());
        return write(type, yiaddr, LEASE);
    }

    private DhcpPacket write(final int type, final int yiaddr, final int lease)
    {
        final int length = writer.write(
            request, type, yiaddr, SERVER_ID, lease, domain, 0, domainLength, out, 0, out.capacity());
        assertTrue(length > 0, () -> DhcpError.describe(length));
        reply.wrap(out, 0, length);
        assertEquals(0, reply.validate());
        return reply;
    }

    private DhcpPacket dnsmasq(final String name)
    {
        final DhcpPacket p = Captures.dhcp(Captures.frame(name), dnsmasq);
        assertEquals(0, p.validate());
        return p;
    }

    private static void assertSameOptions(final DhcpPacket expected, final DhcpPacket actual, final int... codes)
    {
        for (final int code : codes)
        {
            assertEquals(option(expected, code), option(actual, code), DhcpOption.name(code));
        }
    }

    private static void assertSnameAndFileAreZero(final DhcpPacket p)
    {
        for (int i = DhcpPacket.SNAME_OFFSET; i < DhcpPacket.MAGIC_COOKIE_OFFSET; i++)
        {
            assertEquals(0, p.buffer().getByte(p.offset() + i), "byte " + i);
        }
    }

    static String option(final DhcpPacket p, final int code)
    {
        final int at = p.findOption(code);
        if (at < 0)
        {
            return null;
        }
        final byte[] value = new byte[p.optionLength(code)];
        p.optionBuffer(code).getBytes(at, value);
        return java.util.HexFormat.ofDelimiter(" ").formatHex(value);
    }

    /** Codes in the options field, in order, repeats included. */
    static List<Integer> optionCodes(final DhcpPacket p)
    {
        final DirectBuffer buffer = p.buffer();
        final List<Integer> codes = new ArrayList<>();
        int i = p.offset() + DhcpPacket.OPTIONS_OFFSET;
        final int end = p.offset() + p.length();
        while (i < end)
        {
            final int code = buffer.getByte(i) & 0xFF;
            if (code == DhcpOption.END)
            {
                break;
            }
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            codes.add(code);
            i += 2 + (buffer.getByte(i + 1) & 0xFF);
        }
        return codes;
    }
}
