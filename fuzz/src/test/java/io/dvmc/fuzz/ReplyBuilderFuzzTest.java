package io.dvmc.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.dhcp.DhcpError;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.frame.FrameWriter;
import io.dvmc.lease.DomainRecord;
import io.dvmc.reply.ReplyBuilder;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reply writer answers any request the classifier and the codec accept, with any domain option block: it never
 * writes past the capacity it is given (a guard area after it must stay untouched), and every reply it writes is a
 * UDP frame from port 67 whose payload validates strictly, within the client's size limit; a BOOTP reply carries no
 * DHCP-only option, and the vendor cookie only if the request had it. The dataplane's builder, which answers from
 * reply templates, gives the same bytes (or the same error) on a template's first use and after.
 * Input: reply type, yiaddr, lease, capacity slack, domain option block, then the request frame.
 */
class ReplyBuilderFuzzTest
{
    private static final int GUARD = 64;
    private static final byte GUARD_BYTE = (byte)0xA5;
    private static final int[] TYPES = {
        DhcpMessageType.OFFER, DhcpMessageType.ACK, DhcpMessageType.NAK, DhcpMessageType.BOOTP,
        DhcpMessageType.DISCOVER};

    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final FrameView replyView = new FrameView();
    private final DhcpPacket request = new DhcpPacket();
    private final DhcpPacket reply = new DhcpPacket();
    private final ReplyBuilder builder = new ReplyBuilder();
    private final ReplyBuilder templated = ReplyBuilder.withTemplates(8);
    private final DomainRecord domain = new DomainRecord();

    @FuzzTest
    void everyReplyStaysInsideItsBufferAndReparsesStrictly(final FuzzedDataProvider data)
    {
        final int type = data.pickValue(TYPES);
        final int yiaddr = data.consumeInt();
        final int lease = data.consumeInt();
        final int slack = data.consumeInt(0, 1600);
        final byte[] options = data.consumeBytes(data.consumeInt(0, DomainRecord.MAX_OPTIONS_LENGTH));
        final byte[] frame = data.consumeRemainingAsBytes();

        if (classifier.classify(new UnsafeBuffer(frame), 0, frame.length, view) != FrameClass.CLIENT_DHCP)
        {
            return;
        }
        final int capacity = frame.length + slack;
        final byte[] memory = guarded(frame, capacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(memory);
        request.wrap(buffer, view.payloadOffset(), view.payloadLength());
        if (request.validate() != 0)
        {
            return;
        }
        final int maxMessageSize = request.maxMessageSize();
        final int xid = request.xid();
        final boolean cookie = request.hasMagicCookie();
        // Sealed, as the stores keep it: a template is keyed by the record's checksum, so equal blocks share one.
        domain.version(1).serverIp(0x0A000001).serverMac(0x02_00_00_00_00_FEL)
            .options(new UnsafeBuffer(options), 0, options.length).seal();

        final int length = builder.build(buffer, capacity, view, request, type, yiaddr, lease, domain);

        assertGuardIntact(memory, capacity);
        for (int pass = 0; pass < 2; pass++)
        {
            final byte[] fromTemplate = guarded(frame, capacity);
            final UnsafeBuffer templateBuffer = new UnsafeBuffer(fromTemplate);
            request.wrap(templateBuffer, view.payloadOffset(), view.payloadLength());
            request.validate();
            assertEquals(length, templated.build(templateBuffer, capacity, view, request, type, yiaddr, lease, domain),
                "from a template, pass " + pass);
            assertGuardIntact(fromTemplate, capacity);
            if (length > 0)
            {
                assertArrayEquals(Arrays.copyOf(memory, length), Arrays.copyOf(fromTemplate, length),
                    "from a template, pass " + pass);
            }
        }
        if (length < 0)
        {
            assertTrue(length == FrameWriter.BAD_LENGTH ||
                length <= DhcpError.TOO_SHORT && length >= DhcpError.BAD_DOMAIN_OPTIONS, "error " + length);
            return;
        }
        assertTrue(length <= capacity, "reply of " + length + " in " + capacity);
        final UnsafeBuffer replyFrame = new UnsafeBuffer(memory, 0, length);
        // From the server port; to a relay's server port (RFC 2131 §4.1), so it classifies as client DHCP then.
        final int replyClass = classifier.classify(replyFrame, 0, length, replyView);
        assertEquals(FrameClassifier.DHCP_SERVER_PORT, replyView.srcPort());
        assertEquals(
            replyView.dstPort() == FrameClassifier.DHCP_SERVER_PORT ? FrameClass.CLIENT_DHCP : FrameClass.SERVER_DHCP,
            replyClass);
        reply.wrap(replyFrame, replyView.payloadOffset(), replyView.payloadLength());
        assertEquals(0, reply.validate(), "the reply does not re-parse");
        assertEquals(DhcpPacket.BOOTREPLY, reply.op());
        assertEquals(xid, reply.xid());
        assertTrue(reply.length() >= DhcpPacket.MIN_BOOTP_LENGTH);
        final int limit = maxMessageSize == 0
            ? DhcpReplyWriter.DEFAULT_MAX_MESSAGE
            : Math.max(maxMessageSize, 576) - 28;
        assertTrue(reply.length() <= limit, "reply of " + reply.length() + " over the client's limit " + limit);
        if (type != DhcpMessageType.BOOTP)
        {
            assertEquals(type, reply.messageType());
            assertEquals(4, reply.optionLength(DhcpOption.SERVER_ID));
        }
        else
        {
            // RFC 1534 §2: no DHCP-only option; RFC 1497 vendor data only for a client that sent the cookie.
            assertEquals(DhcpMessageType.BOOTP, reply.messageType());
            assertEquals(cookie, reply.hasMagicCookie(), "the reply's cookie follows the request's");
            assertEquals(-1, reply.findOption(DhcpOption.SERVER_ID));
            assertEquals(-1, reply.findOption(DhcpOption.LEASE_TIME));
        }
    }

    private static byte[] guarded(final byte[] frame, final int capacity)
    {
        final byte[] memory = new byte[capacity + GUARD];
        System.arraycopy(frame, 0, memory, 0, frame.length);
        Arrays.fill(memory, capacity, memory.length, GUARD_BYTE);
        return memory;
    }

    private static void assertGuardIntact(final byte[] memory, final int capacity)
    {
        for (int i = capacity; i < memory.length; i++)
        {
            assertEquals(GUARD_BYTE, memory[i], "byte " + (i - capacity) + " past the capacity was written");
        }
    }
}
