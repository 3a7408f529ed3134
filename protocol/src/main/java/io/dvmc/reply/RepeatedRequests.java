package io.dvmc.reply;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameView;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The last request of each VM that was answered from a reply template, and what answering it found out from its
 * bytes alone: that it is well formed, its message type, options 50 and 54, where its client id is, and its
 * template. A client repeats its request byte for byte apart from {@code xid} and {@code secs} (a renewing client
 * every T1, RFC 2131 §4.4.5; a retransmission, §4.1), so a request that does is answered from what was found: no
 * option walk, no template key, no template lookup ({@link ReplyBuilder#buildRepeated}). The lease and the domain
 * are read afresh for every request; only what follows from the request's own bytes is kept, and any other byte
 * that differs makes it a new request.
 * <p>
 * Indexed by the caller's VM slot (a port binding's), one per VM. Per slot, {@link #FIELDS} ints, the template key's
 * {@link TemplateKey#WORDS} longs, and the DHCP payload in {@link #STRIDE} bytes of one direct buffer:
 * <pre>
 *  fields  payload length (0: nothing kept), frame capacity, IPv4 header index, IPv4 destination,
 *          message type, option 50, option 54, client id index (from the payload's first byte), client id length,
 *          template slot, option 52
 *  bytes   [0, 4) op htype hlen hops; [4, 10) xid secs, not compared; [10, 44) the rest of the fixed fields;
 *          [44, 236) sname and file, compared only when option 52 puts options there; [236, length) the options
 * </pre>
 * A request longer than {@link #MAX_PAYLOAD} bytes is not kept. The arrays grow as the caller's bindings do
 * ({@link #reserve}), else with the highest slot kept. Not thread safe: one per worker.
 */
public final class RepeatedRequests
{
    /** Nothing kept for the slot, or the request is not the one kept. */
    public static final int NONE = -1;
    /** The longest DHCP payload kept: what every client must accept (576-byte datagrams, RFC 2131 §2). */
    public static final int MAX_PAYLOAD = 548;
    static final int STRIDE = 576;

    private static final int LENGTH = 0;
    private static final int CAPACITY = 1;
    private static final int L3_OFFSET = 2;
    private static final int DST_IP = 3;
    private static final int MESSAGE_TYPE = 4;
    private static final int REQUESTED_IP = 5;
    private static final int SERVER_ID = 6;
    private static final int CLIENT_ID_AT = 7;
    private static final int CLIENT_ID_LENGTH = 8;
    private static final int TEMPLATE = 9;
    private static final int OVERLOADED = 10;
    private static final int FIELDS = 11;
    private static final int INITIAL_SLOTS = 64;
    private static final int NOT_COMPARED_END = DhcpPacket.SECS_OFFSET + 2;

    private int[] fields = new int[0];
    private long[] keys = new long[0];
    private UnsafeBuffer bytes = new UnsafeBuffer(new byte[0]);

    /**
     * @param vm       the VM's slot.
     * @param frame    the request frame, classified into {@code view}.
     * @param capacity the frame's buffer capacity (a reply's length limit).
     * @return whether the request is the one kept for {@code vm}, apart from {@code xid} and {@code secs}, in a frame
     * of the same layout and capacity sent to the same address.
     */
    public boolean repeats(final int vm, final DirectBuffer frame, final FrameView view, final int capacity)
    {
        final int f = vm * FIELDS;
        if (vm < 0 || f >= fields.length)
        {
            return false;
        }
        final int length = fields[f + LENGTH];
        if (length == 0 || length != view.payloadLength() || fields[f + CAPACITY] != capacity ||
            fields[f + L3_OFFSET] != view.l3Offset() || fields[f + DST_IP] != view.dstIp())
        {
            return false;
        }
        final int at = view.payloadOffset();
        final int kept = vm * STRIDE;
        if (frame.getInt(at) != bytes.getInt(kept))
        {
            return false;
        }
        // sname and file are read only when option 52 says they hold options; the options around 52 are compared.
        final boolean overloaded = fields[f + OVERLOADED] != 0;
        return equal(frame, at, kept, NOT_COMPARED_END, overloaded ? length : DhcpPacket.SNAME_OFFSET) &&
            equal(frame, at, kept, overloaded ? length : DhcpPacket.MAGIC_COOKIE_OFFSET, length);
    }

    /** Whether bytes [from, to) of the request at {@code at} are those kept at {@code kept}; each range checked once. */
    private boolean equal(final DirectBuffer frame, final int at, final int kept, final int from, final int to)
    {
        frame.boundsCheck(at + from, to - from);
        bytes.boundsCheck(kept + from, to - from);
        final byte[] frameArray = frame.byteArray();
        final byte[] keptArray = bytes.byteArray();
        final long delta = bytes.addressOffset() + kept - (frame.addressOffset() + at);
        long i = frame.addressOffset() + at + from;
        final long end = i + (to - from);
        for (; i + Long.BYTES <= end; i += Long.BYTES)
        {
            if (UnsafeApi.getLong(frameArray, i) != UnsafeApi.getLong(keptArray, i + delta))
            {
                return false;
            }
        }
        for (; i < end; i++)
        {
            if (UnsafeApi.getByte(frameArray, i) != UnsafeApi.getByte(keptArray, i + delta))
            {
                return false;
            }
        }
        return true;
    }

    /** Option 53 of the request kept for {@code vm}. */
    public int messageType(final int vm)
    {
        return fields[vm * FIELDS + MESSAGE_TYPE];
    }

    /** Option 50 of the request kept for {@code vm}, 0 when absent. */
    public int requestedIp(final int vm)
    {
        return fields[vm * FIELDS + REQUESTED_IP];
    }

    /** Option 54 of the request kept for {@code vm}, 0 when absent. */
    public int serverId(final int vm)
    {
        return fields[vm * FIELDS + SERVER_ID];
    }

    /** Forgets what was kept for {@code vm}: its next request is a new one. */
    public void forget(final int vm)
    {
        final int f = vm * FIELDS;
        if (vm >= 0 && f < fields.length)
        {
            fields[f + LENGTH] = 0;
        }
    }

    int clientIdAt(final int vm)
    {
        return fields[vm * FIELDS + CLIENT_ID_AT];
    }

    int clientIdLength(final int vm)
    {
        return fields[vm * FIELDS + CLIENT_ID_LENGTH];
    }

    int template(final int vm)
    {
        return fields[vm * FIELDS + TEMPLATE];
    }

    long[] keys()
    {
        return keys;
    }

    static int keyAt(final int vm)
    {
        return vm * TemplateKey.WORDS;
    }

    /**
     * Keeps a request about to be answered from {@code template}, before the reply is written over it. A request
     * too long, or whose client id was joined from several options (RFC 3396), is not kept.
     */
    void keep(
        final int vm,
        final DhcpPacket request,
        final FrameView view,
        final int capacity,
        final int template,
        final TemplateKey key)
    {
        final int length = request.length();
        final int clientIdLength = request.clientIdLength();
        if (vm < 0 || length > MAX_PAYLOAD ||
            clientIdLength > 0 && request.optionBuffer(DhcpOption.CLIENT_ID) != request.buffer())
        {
            forget(vm);
            return;
        }
        ensure(vm);
        final int f = vm * FIELDS;
        fields[f + LENGTH] = length;
        fields[f + CAPACITY] = capacity;
        fields[f + L3_OFFSET] = view.l3Offset();
        fields[f + DST_IP] = view.dstIp();
        fields[f + MESSAGE_TYPE] = request.messageType();
        fields[f + REQUESTED_IP] = request.requestedIp();
        fields[f + SERVER_ID] = request.serverId();
        fields[f + CLIENT_ID_AT] = clientIdLength > 0 ? request.clientIdOffset() - request.offset() : 0;
        fields[f + CLIENT_ID_LENGTH] = clientIdLength;
        fields[f + TEMPLATE] = template;
        fields[f + OVERLOADED] = request.findOption(DhcpOption.OVERLOAD) >= 0 ? 1 : 0;
        key.copyTo(keys, keyAt(vm));
        bytes.putBytes(vm * STRIDE, request.buffer(), request.offset(), length);
    }

    /**
     * Makes room for VM slots below {@code slots} now, so that keeping their requests later allocates nothing: the
     * caller's bindings grew.
     */
    public void reserve(final int slots)
    {
        if (slots > 0)
        {
            ensure(slots - 1);
        }
    }

    private void ensure(final int vm)
    {
        final int slots = fields.length / FIELDS;
        if (vm < slots)
        {
            return;
        }
        int grown = Math.max(INITIAL_SLOTS, slots);
        while (grown <= vm)
        {
            grown *= 2;
        }
        fields = Arrays.copyOf(fields, grown * FIELDS);
        keys = Arrays.copyOf(keys, grown * TemplateKey.WORDS);
        final UnsafeBuffer more = new UnsafeBuffer(ByteBuffer.allocateDirect(grown * STRIDE));
        more.putBytes(0, bytes, 0, bytes.capacity());
        bytes = more;
    }
}
