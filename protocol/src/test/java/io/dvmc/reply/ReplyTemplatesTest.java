package io.dvmc.reply;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import io.dvmc.dhcp.Allocations;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.dhcp.ReplyDirectives;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.lease.DomainRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplyTemplatesTest
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int CAPACITY = 2048;
    private static final int SERVER_IP = 0x0A00_0001;
    private static final int[][] REQUEST_LISTS = {
        null, {1, 3, 6, 15, 26}, {26, 15, 6, 3, 1}, {1, 3, 6, 12, 15, 28, 42, 119, 121}, {121}, {}, {6, 6, 6}};
    private static final int[] MAX_MESSAGE_SIZES = {0, 576, 1500, 400, 0xFFFF};
    private static final int[] CLIENT_ID_LENGTHS = {0, 0, 0, 7, 7, 7, 19, 19, 1, 1, 2, 2, 0, 7, 7, -1};
    private static final int[] CAPACITIES = {CAPACITY, CAPACITY, CAPACITY, 400, 600};

    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final DhcpPacket request = new DhcpPacket();
    private final ReplyBuilder reference = new ReplyBuilder();
    private final UnsafeBuffer expected = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY));
    private final UnsafeBuffer actual = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY));
    private final DomainRecord[] domains = {domain(100, 1, 0x0101_0101, 0), domain(200, 7, 0x0909_0909, 40),
        domain(300, 2, 0x0808_0808, 400), netbootDomain(400)};

    @ParameterizedTest(name = "{0} templates")
    @ValueSource(ints = {4, 65536})
    void repliesFromTemplatesAreByteForByteTheReferenceRepliesWithValidChecksums(final int templates)
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(templates);
        final Random random = new Random(20261205L + templates);
        final int requests = 20_000;
        for (int i = 0; i < requests; i++)
        {
            final int length = randomRequest(random, expected);
            actual.putBytes(0, expected, 0, length);
            final int type = random.nextBoolean() ? DhcpMessageType.ACK : DhcpMessageType.OFFER;
            final int yiaddr = random.nextInt();
            final int lease = switch (random.nextInt(4))
            {
                case 0 -> -1;
                case 1 -> 600;
                default -> random.nextInt();
            };
            final DomainRecord domain = domains[random.nextInt(domains.length)];
            final int capacity = CAPACITIES[random.nextInt(CAPACITIES.length)];

            final int expectedLength = reply(reference, expected, length, capacity, type, yiaddr, lease, domain);
            final int actualLength = reply(templated, actual, length, capacity, type, yiaddr, lease, domain);

            assertEquals(expectedLength, actualLength, "request " + i);
            if (expectedLength > 0)
            {
                assertArrayEquals(bytes(expected, expectedLength), bytes(actual, actualLength), "request " + i);
                assertChecksumsValid(actual, actualLength);
            }
        }
        if (templates > 100)
        {
            assertTrue(templated.templatesBuilt() < requests / 2,
                templated.templatesBuilt() + " templates built for " + requests + " requests");
        }
    }

    @Test
    void aDomainWhoseOptionsChangeIsNeverAnsweredFromTheTemplateOfItsOldOptions()
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(16);
        final DomainRecord domain = domain(100, 1, 0x0101_0101, 0);
        final Random random = new Random(7);
        assertDnsServer(templated, random, domain, 0x0101_0101);
        assertDnsServer(templated, random, domain, 0x0101_0101);
        final long built = templated.templatesBuilt();

        rewrite(domain, domain.version() + 1, 0x0909_0909, domain.updatedMillis() + 1);
        assertDnsServer(templated, random, domain, 0x0909_0909);
        assertEquals(built + 1, templated.templatesBuilt(), "a template for the new version");

        // Removed and written afresh: its version starts again where the old record's was.
        rewrite(domain, domain.version() - 1, 0x0808_0808, domain.updatedMillis() + 1);
        assertDnsServer(templated, random, domain, 0x0808_0808);
    }

    @Test
    void answeringFromATemplateAllocatesNothing()
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(16);
        final Random random = new Random(11);
        final int length = randomRequest(random, expected);
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            actual.putBytes(0, expected, 0, length);
            sink += reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0107, 600, domains[1]);
        }
        final long before = Allocations.ofThisThread();
        for (int i = 0; i < 20_000; i++)
        {
            actual.putBytes(0, expected, 0, length);
            sink += reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0107, 600, domains[1]);
        }
        final long allocated = Allocations.ofThisThread() - before;
        assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
        assertEquals(1, templated.templatesBuilt());
    }

    @ParameterizedTest(name = "{0} templates")
    @ValueSource(ints = {4, 65536})
    void aRequestRepeatedWithAnotherXidAndSecsIsAnsweredFromWhatItsFirstAnswerFoundByteForByteAsTheReference(
        final int templates)
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(templates);
        final RepeatedRequests repeats = new RepeatedRequests();
        final UnsafeBuffer first = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY));
        final Random random = new Random(20261206L + templates);
        final int requests = 5_000;
        int fromRepeats = 0;
        for (int i = 0; i < requests; i++)
        {
            final int vm = random.nextInt(64);
            final int length = randomRequest(random, first);
            final int type = random.nextBoolean() ? DhcpMessageType.ACK : DhcpMessageType.OFFER;
            final int yiaddr = random.nextInt();
            final int lease = random.nextInt(4) == 0 ? -1 : 600 + random.nextInt(1000);
            final DomainRecord domain = domains[random.nextInt(domains.length)];
            final int capacity = CAPACITIES[random.nextInt(CAPACITIES.length)];
            for (int again = 0; again < 3; again++)
            {
                expected.putBytes(0, first, 0, length);
                if (again > 0)
                {
                    final int dhcp = payloadOffset(expected, length);
                    expected.putInt(dhcp + DhcpPacket.XID_OFFSET, random.nextInt());
                    expected.putShort(dhcp + DhcpPacket.SECS_OFFSET, (short)again);
                }
                actual.putBytes(0, expected, 0, length);
                final int expectedLength = reply(reference, expected, length, capacity, type, yiaddr, lease, domain);

                assertEquals(FrameClass.CLIENT_DHCP, classifier.classify(actual, 0, length, view));
                request.wrap(actual, view.payloadOffset(), view.payloadLength());
                final boolean repeated = repeats.repeats(vm, actual, view, capacity);
                if (again == 0)
                {
                    assertFalse(repeated, "request " + i + " is new");
                }
                int actualLength = repeated
                    ? templated.buildRepeated(actual, view, request, type, yiaddr, lease, domain, false, repeats, vm)
                    : RepeatedRequests.NONE;
                if (actualLength == RepeatedRequests.NONE)
                {
                    assertEquals(0, request.validate());
                    actualLength = templated.build(actual, capacity, view, request, type, yiaddr, lease, domain,
                        false, repeats, vm);
                }
                else
                {
                    fromRepeats++;
                }

                assertEquals(expectedLength, actualLength, "request " + i + ", sent " + (again + 1) + " times");
                if (expectedLength > 0)
                {
                    assertArrayEquals(bytes(expected, expectedLength), bytes(actual, actualLength), "request " + i);
                    assertChecksumsValid(actual, actualLength);
                }
            }
        }
        if (templates > 100)
        {
            assertTrue(fromRepeats > requests * 2 * 9 / 10, fromRepeats + " of " + requests * 2 + " repeats");
        }
    }

    @Test
    void aRequestIsNewWhenAnyByteDiffersButXidSecsAndTheSnameAndFileThatHoldNoOptions()
    {
        final Random random = new Random(5);
        for (final boolean overloaded : new boolean[]{false, true})
        {
            final UnsafeBuffer first = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY));
            final int length = requestFrame(random, first, new int[]{1, 3, 6}, 1500, 7, false, 1);
            final int dhcp = payloadOffset(first, length);
            if (overloaded)
            {
                overloadFile(first, dhcp);
            }
            final RepeatedRequests repeats = new RepeatedRequests();
            actual.putBytes(0, first, 0, length);
            assertTrue(reply(ReplyBuilder.withTemplates(16), actual, length, CAPACITY, DhcpMessageType.ACK,
                0x0A00_0107, 600, domains[0], repeats, 3) > 0);
            for (int at = dhcp; at < length; at++)
            {
                actual.putBytes(0, first, 0, length);
                actual.putByte(at, (byte)(actual.getByte(at) ^ 0x10));
                classifier.classify(actual, 0, length, view);
                final int field = at - dhcp;
                final boolean ignored = field >= DhcpPacket.XID_OFFSET && field < DhcpPacket.FLAGS_OFFSET ||
                    !overloaded && field >= DhcpPacket.SNAME_OFFSET && field < DhcpPacket.MAGIC_COOKIE_OFFSET;
                assertEquals(ignored, repeats.repeats(3, actual, view, CAPACITY),
                    "byte " + field + " of the DHCP payload changed, option 52 " + (overloaded ? "" : "not ") +
                        "sent");
            }
            actual.putBytes(0, first, 0, length);
            classifier.classify(actual, 0, length, view);
            assertTrue(repeats.repeats(3, actual, view, CAPACITY));
            assertFalse(repeats.repeats(3, actual, view, CAPACITY - 1), "another frame capacity: another limit");
            assertFalse(repeats.repeats(4, actual, view, CAPACITY), "another VM");
            repeats.forget(3);
            assertFalse(repeats.repeats(3, actual, view, CAPACITY), "forgotten");
        }
    }

    @Test
    void aRepeatIsAnsweredAsNewOnceItsDomainItsLeaseKindOrItsReplyTypeChangedOrItsTemplateWasEvicted()
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(4);
        final RepeatedRequests repeats = new RepeatedRequests();
        final DomainRecord domain = domain(100, 1, 0x0101_0101, 0);
        final Random random = new Random(9);
        final UnsafeBuffer first = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY));
        final int length = requestFrame(random, first, new int[]{1, 3, 6}, 0, 7, false, 0);
        actual.putBytes(0, first, 0, length);
        reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0105, 600, domain, repeats, 0);

        assertEquals(RepeatedRequests.NONE, repeat(templated, repeats, first, length, DhcpMessageType.OFFER, 600,
            domain), "another reply type");
        assertEquals(RepeatedRequests.NONE, repeat(templated, repeats, first, length, DhcpMessageType.ACK, -1,
            domain), "an infinite lease");
        assertTrue(repeat(templated, repeats, first, length, DhcpMessageType.ACK, 1200, domain) > 0,
            "another lease time of the same kind");

        rewrite(domain, domain.version() + 1, 0x0909_0909, domain.updatedMillis() + 1);
        assertEquals(RepeatedRequests.NONE, repeat(templated, repeats, first, length, DhcpMessageType.ACK, 600,
            domain), "the domain changed");

        actual.putBytes(0, first, 0, length);
        reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0105, 600, domain, repeats, 0);
        assertTrue(repeat(templated, repeats, first, length, DhcpMessageType.ACK, 600, domain) > 0);
        for (int other = 0; other < 8; other++)
        {
            final int otherLength = requestFrame(random, expected, new int[]{other + 20}, 0, 0, false, 0);
            reply(templated, expected, otherLength, CAPACITY, DhcpMessageType.ACK, 0x0A00_0106, 600, domain);
        }
        assertEquals(RepeatedRequests.NONE, repeat(templated, repeats, first, length, DhcpMessageType.ACK, 600,
            domain), "its template evicted by eight others from four slots");
    }

    @Test
    void theFirstRequestOfAVmBoundAfterTheOthersIsKeptWithoutAllocatingOnceItsRoomIsReserved()
    {
        final ReplyBuilder templated = ReplyBuilder.withTemplates(16);
        final RepeatedRequests repeats = new RepeatedRequests();
        final Random random = new Random(13);
        final int length = requestFrame(random, expected, new int[]{1, 3, 6}, 0, 7, false, 0);
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            actual.putBytes(0, expected, 0, length);
            sink += reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0107, 600, domains[1],
                repeats, i % 64);
        }
        repeats.reserve(1024);

        final long before = Allocations.ofThisThread();
        actual.putBytes(0, expected, 0, length);
        sink += reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0107, 600, domains[1], repeats,
            1000);
        final long allocated = Allocations.ofThisThread() - before;

        assertEquals(0, allocated, "bytes allocated (sink " + sink + ")");
        actual.putBytes(0, expected, 0, length);
        classifier.classify(actual, 0, length, view);
        assertTrue(repeats.repeats(1000, actual, view, CAPACITY), "kept");
    }

    /** The request in {@code first} again, as {@link ReplyBuilder#buildRepeated} answers it. */
    private int repeat(final ReplyBuilder templated, final RepeatedRequests repeats, final UnsafeBuffer first,
        final int length, final int type, final int lease, final DomainRecord domain)
    {
        actual.putBytes(0, first, 0, length);
        classifier.classify(actual, 0, length, view);
        assertTrue(repeats.repeats(0, actual, view, CAPACITY));
        request.wrap(actual, view.payloadOffset(), view.payloadLength());
        return templated.buildRepeated(actual, view, request, type, 0x0A00_0105, lease, domain, false, repeats, 0);
    }

    /** Moves the request's END into the file field, behind option 52 (RFC 2131 §4.1: the file field holds options). */
    private static void overloadFile(final UnsafeBuffer frame, final int dhcp)
    {
        int at = dhcp + DhcpPacket.OPTIONS_OFFSET;
        while ((frame.getByte(at) & 0xFF) != DhcpOption.END)
        {
            at += 2 + (frame.getByte(at + 1) & 0xFF);
        }
        frame.putByte(at, (byte)DhcpOption.OVERLOAD);
        frame.putByte(at + 1, (byte)1);
        frame.putByte(at + 2, (byte)1);
        frame.putByte(at + 3, (byte)DhcpOption.END);
        frame.setMemory(dhcp + DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH, (byte)0);
        frame.putByte(dhcp + DhcpPacket.FILE_OFFSET, (byte)DhcpOption.END);
        frame.putByte(dhcp + DhcpPacket.FILE_OFFSET + 1, (byte)DhcpOption.PAD);
    }

    private int payloadOffset(final UnsafeBuffer frame, final int length)
    {
        assertEquals(FrameClass.CLIENT_DHCP, classifier.classify(frame, 0, length, view));
        return view.payloadOffset();
    }

    private void assertDnsServer(
        final ReplyBuilder templated, final Random random, final DomainRecord domain, final int dns)
    {
        final int length = requestFrame(random, expected, new int[]{1, 3, 6}, 0, 7, false, 0);
        actual.putBytes(0, expected, 0, length);
        final int expectedLength = reply(reference, expected, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0105, 600,
            domain);
        final int actualLength = reply(templated, actual, length, CAPACITY, DhcpMessageType.ACK, 0x0A00_0105, 600,
            domain);
        assertArrayEquals(bytes(expected, expectedLength), bytes(actual, actualLength));
        assertEquals(FrameClass.SERVER_DHCP, classifier.classify(actual, 0, actualLength, view));
        request.wrap(actual, view.payloadOffset(), view.payloadLength());
        assertEquals(0, request.validate());
        assertEquals(dns, request.buffer().getInt(request.findOption(DhcpOption.DOMAIN_NAME_SERVER), NET));
    }

    private int reply(
        final ReplyBuilder builder,
        final UnsafeBuffer frame,
        final int length,
        final int capacity,
        final int type,
        final int yiaddr,
        final int lease,
        final DomainRecord domain)
    {
        return reply(builder, frame, length, capacity, type, yiaddr, lease, domain, null, RepeatedRequests.NONE);
    }

    private int reply(
        final ReplyBuilder builder,
        final UnsafeBuffer frame,
        final int length,
        final int capacity,
        final int type,
        final int yiaddr,
        final int lease,
        final DomainRecord domain,
        final RepeatedRequests repeats,
        final int vm)
    {
        assertEquals(FrameClass.CLIENT_DHCP, classifier.classify(frame, 0, length, view));
        request.wrap(frame, view.payloadOffset(), view.payloadLength());
        assertEquals(0, request.validate());
        return builder.build(frame, capacity, view, request, type, yiaddr, lease, domain, false, repeats, vm);
    }

    private static DomainRecord domain(final int id, final int version, final int dns, final int padding)
    {
        final DomainRecord domain = new DomainRecord();
        domain.clear().domainId(id).serverMac(0x0244_0000_0000L | id).subnetMask(0xFFFF_FF00).vmLeaseSeconds(600);
        rewrite(domain, version, dns, 1_700_000_000_000L + id);
        final UnsafeBuffer block = new UnsafeBuffer(new byte[DomainRecord.MAX_OPTIONS_LENGTH]);
        final int used = domain.copyOptionsTo(block, 0);
        final OptionWriter writer = new OptionWriter().wrap(block, used, block.capacity() - used);
        // Long options, so that a client's size limit leaves some out.
        for (int left = padding; left > 0; left -= 100)
        {
            writer.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(new byte[Math.min(left, 98)]), 0,
                Math.min(left, 98));
        }
        domain.options(block, 0, used + writer.length()).seal();
        return domain;
    }

    /** A domain with network boot: what a client is told depends on its vendor class (60) and user class (77). */
    private static DomainRecord netbootDomain(final int id)
    {
        final DomainRecord domain = domain(id, 3, 0x0707_0707, 0);
        final UnsafeBuffer block = new UnsafeBuffer(new byte[DomainRecord.MAX_OPTIONS_LENGTH]);
        final int used = domain.copyOptionsTo(block, 0);
        final OptionWriter writer = new OptionWriter().wrap(block, used, block.capacity() - used);
        writer.end();
        writer.putInt(ReplyDirectives.NEXT_SERVER, 0x0A00_0005);
        writer.putAscii(ReplyDirectives.SERVER_NAME, "tftp.example.test");
        writer.putAscii(ReplyDirectives.BOOT_FILE, "undionly.kpxe");
        writer.putAscii(ReplyDirectives.IPXE_BOOT_FILE, "http://10.0.0.5/boot.ipxe");
        domain.options(block, 0, used + writer.length()).seal();
        return domain;
    }

    private static void rewrite(final DomainRecord domain, final int version, final int dns, final long updated)
    {
        final UnsafeBuffer block = new UnsafeBuffer(new byte[128]);
        final OptionWriter writer = new OptionWriter().wrap(block, 0, block.capacity());
        writer.putInt(DhcpOption.SUBNET_MASK, 0xFFFF_FF00);
        writer.putInt(DhcpOption.ROUTER, SERVER_IP);
        writer.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{dns}, 1);
        writer.putAscii(DhcpOption.DOMAIN_NAME, "tenant.example");
        writer.putShort(DhcpOption.INTERFACE_MTU, 1450);
        writer.putInt(DhcpOption.NTP_SERVERS, 0x0A00_0002);
        domain.version(version).serverIp(SERVER_IP).updatedMillis(updated).options(block, 0, writer.length()).seal();
    }

    private static int randomRequest(final Random random, final UnsafeBuffer frame)
    {
        final int[] list = REQUEST_LISTS[random.nextInt(REQUEST_LISTS.length)];
        final int pick = CLIENT_ID_LENGTHS[random.nextInt(CLIENT_ID_LENGTHS.length)];
        final int clientIdLength = pick >= 0 ? pick : 1 + random.nextInt(DhcpPacket.MAX_CLIENT_ID_LENGTH);
        final int maxMessageSize = MAX_MESSAGE_SIZES[random.nextInt(MAX_MESSAGE_SIZES.length)];
        return requestFrame(random, frame, list, maxMessageSize, clientIdLength, random.nextBoolean(),
            random.nextInt(3));
    }

    /** A client's frame with random addresses, xid, flags, ciaddr, client id bytes and junk in sname and file. */
    private static int requestFrame(
        final Random random,
        final UnsafeBuffer frame,
        final int[] requestList,
        final int maxMessageSize,
        final int clientIdLength,
        final boolean broadcast,
        final int vlans)
    {
        frame.setMemory(0, CAPACITY, (byte)0);
        final long mac = random.nextLong() & 0x0000_FEFF_FFFF_FFFFL;
        frame.putShort(0, (short)0xFFFF);
        frame.putInt(2, -1);
        frame.putShort(6, (short)(mac >>> 32), NET);
        frame.putInt(8, (int)mac, NET);
        int at = 12;
        for (int v = 0; v < vlans; v++)
        {
            frame.putShort(at, (short)(v == 0 && vlans == 2 ? 0x88A8 : 0x8100), NET);
            frame.putShort(at + 2, (short)random.nextInt(0x1000), NET);
            at += 4;
        }
        frame.putShort(at, (short)0x0800, NET);
        final int ip = at + 2;
        final int dhcp = ip + 28;
        frame.putByte(dhcp, (byte)DhcpPacket.BOOTREQUEST);
        frame.putByte(dhcp + 1, (byte)1);
        frame.putByte(dhcp + 2, (byte)6);
        frame.putByte(dhcp + 3, (byte)random.nextInt(3));
        frame.putInt(dhcp + DhcpPacket.XID_OFFSET, random.nextInt());
        frame.putShort(dhcp + DhcpPacket.SECS_OFFSET, (short)random.nextInt());
        frame.putShort(dhcp + DhcpPacket.FLAGS_OFFSET, (short)(broadcast ? 0x8000 : random.nextInt(2)), NET);
        final int ciaddr = random.nextBoolean() ? 0 : random.nextInt();
        frame.putInt(dhcp + DhcpPacket.CIADDR_OFFSET, ciaddr, NET);
        frame.putInt(dhcp + DhcpPacket.YIADDR_OFFSET, random.nextInt());
        frame.putShort(dhcp + DhcpPacket.CHADDR_OFFSET, (short)(mac >>> 32), NET);
        frame.putInt(dhcp + DhcpPacket.CHADDR_OFFSET + 2, (int)mac, NET);
        if (random.nextInt(4) == 0)
        {
            frame.putLong(dhcp + DhcpPacket.CHADDR_OFFSET + 6, random.nextLong());
            frame.putLong(dhcp + DhcpPacket.SNAME_OFFSET + random.nextInt(150), random.nextLong());
        }
        frame.putInt(dhcp + DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, NET);
        final OptionWriter options = new OptionWriter().wrap(frame, dhcp + DhcpPacket.OPTIONS_OFFSET, 1024);
        options.putByte(DhcpOption.MESSAGE_TYPE,
            ciaddr == 0 && random.nextBoolean() ? DhcpMessageType.DISCOVER : DhcpMessageType.REQUEST);
        if (clientIdLength > 0)
        {
            final byte[] id = new byte[clientIdLength];
            random.nextBytes(id);
            options.putBytes(DhcpOption.CLIENT_ID, new UnsafeBuffer(id), 0, clientIdLength);
        }
        if (maxMessageSize != 0)
        {
            options.putShort(DhcpOption.MAX_MESSAGE_SIZE, maxMessageSize);
        }
        switch (random.nextInt(4))
        {
            case 0 -> options.putAscii(DhcpOption.VENDOR_CLASS_ID, "PXEClient:Arch:00000:UNDI:002001");
            case 1 -> options.putAscii(DhcpOption.USER_CLASS, "iPXE");
            default ->
                {
                }
        }
        if (requestList != null)
        {
            final UnsafeBuffer list = new UnsafeBuffer(new byte[requestList.length]);
            for (int i = 0; i < requestList.length; i++)
            {
                list.putByte(i, (byte)requestList[i]);
            }
            options.putBytes(DhcpOption.PARAMETER_REQUEST_LIST, list, 0, requestList.length);
        }
        options.end();
        final int dhcpLength = Math.max(DhcpPacket.MIN_BOOTP_LENGTH, DhcpPacket.OPTIONS_OFFSET + options.length());
        frame.putByte(ip, (byte)0x45);
        frame.putShort(ip + 2, (short)(28 + dhcpLength), NET);
        frame.putByte(ip + 8, (byte)64);
        frame.putByte(ip + 9, (byte)17);
        frame.putInt(ip + 12, ciaddr, NET);
        frame.putInt(ip + 16, ciaddr == 0 ? -1 : SERVER_IP, NET);
        frame.putShort(ip + 10, (short)~onesComplementSum(frame, ip, 20, 0), NET);
        frame.putShort(ip + 20, (short)68, NET);
        frame.putShort(ip + 22, (short)67, NET);
        frame.putShort(ip + 24, (short)(8 + dhcpLength), NET);
        return dhcp + dhcpLength;
    }

    /** Checked here with plain 16-bit big-endian arithmetic, not the code under test's. */
    private static void assertChecksumsValid(final UnsafeBuffer frame, final int length)
    {
        int ip = 12;
        while ((frame.getShort(ip, NET) & 0xFFFF) != 0x0800)
        {
            ip += 4;
        }
        ip += 2;
        assertEquals(0xFFFF, onesComplementSum(frame, ip, 20, 0), "IPv4 header checksum");
        final int udpLength = frame.getShort(ip + 24, NET) & 0xFFFF;
        assertEquals(length - ip - 20, udpLength);
        final int pseudo = onesComplementSum(frame, ip + 12, 8, 17 + udpLength);
        assertEquals(0xFFFF, onesComplementSum(frame, ip + 20, udpLength, pseudo), "UDP checksum");
    }

    private static int onesComplementSum(final UnsafeBuffer buffer, final int offset, final int length,
        final int initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            final int high = buffer.getByte(offset + i) & 0xFF;
            final int low = i + 1 < length ? buffer.getByte(offset + i + 1) & 0xFF : 0;
            sum += high << 8 | low;
        }
        while (sum >>> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    private static byte[] bytes(final UnsafeBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
