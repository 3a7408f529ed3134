package io.dvmc.frame;

import java.nio.ByteOrder;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reassembles fragmented IPv4 datagrams to UDP port 67 (RFC 1122 §3.3.2: a host MUST reassemble datagrams of at
 * least 576 octets; RFC 791 §3.2 for the procedure), within fixed bounds and without allocation per fragment.
 * <ul>
 *   <li>A datagram is named by (port, source, destination, identification); UDP only. Its first fragment (which
 *       holds the UDP ports) opens it; a later fragment joins an open datagram, or is not ours (other traffic).
 *       A later fragment that arrives before its first is therefore not kept: senders on a VM port send in
 *       order.</li>
 *   <li>{@link #SLOTS_PER_PORT} datagrams in progress per port, each with room for {@code maxPayload} bytes of
 *       IPv4 payload; all preallocated. A port that opens one more gives up its oldest.</li>
 *   <li>A fragment that overlaps data already held (a duplicate included) abandons its datagram, as does one
 *       that ends past {@code maxPayload} or past the end the last fragment set (RFC 5722 argues the same for
 *       IPv6: overlaps serve only evasion).</li>
 *   <li>A datagram not complete within {@code timeoutNs} is abandoned ({@link #expire}).</li>
 * </ul>
 * The completed datagram is written as one unfragmented frame: the first fragment's Ethernet header and tags and
 * its IPv4 header (options kept), with the total length and checksum fixed and the fragment fields cleared.
 * Single-threaded: one per poll thread.
 */
public final class FragmentReassembler
{
    public static final int SLOTS_PER_PORT = 4;

    /** The fragment was kept; its frame is the caller's to free. */
    public static final int HELD = 0;
    /** The fragment completed its datagram: {@link #writeDatagram} writes it. */
    public static final int COMPLETE = 1;
    /** A later fragment of no datagram being reassembled: not DHCP for dvmc. */
    public static final int NOT_OURS = 2;
    /** It overlaps data held, or disagrees with the end a last fragment set: its datagram is abandoned. */
    public static final int OVERLAP = -1;
    /** It ends past the largest datagram kept: its datagram is abandoned. */
    public static final int OVERSIZED = -2;
    /** A wrong IPv4 header checksum, or a fragment other than the last whose length is not a multiple of 8. */
    public static final int MALFORMED = -3;

    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int MAX_HEADERS = FrameClassifier.ETHERNET_HEADER_LENGTH +
        FrameClassifier.MAX_VLANS * FrameClassifier.VLAN_TAG_LENGTH + 60;
    private static final int BLOCK = 8;

    private final int maxPayload;
    private final long timeoutNs;
    private final int slotCount;
    private final boolean[] used;
    private final int[] port;
    private final int[] srcIp;
    private final int[] dstIp;
    private final int[] ipId;
    private final long[] startedNs;
    private final int[] l2Length;
    private final int[] ipHeaderLength;
    /** IPv4 payload length once the last fragment is in, else -1. */
    private final int[] payloadLength;
    private final int[] received;
    /** The furthest end of data held. */
    private final int[] maxEnd;
    private final UnsafeBuffer[] headers;
    private final UnsafeBuffer[] payloads;
    private final long[][] blocks;
    private int completed = -1;
    private int abandoned;

    /**
     * @param ports      port slots (0..ports-1).
     * @param maxPayload largest IPv4 payload reassembled, rounded down to a multiple of 8; at least 556 (RFC 1122).
     * @param timeoutNs  how long a datagram may take to complete.
     */
    public FragmentReassembler(final int ports, final int maxPayload, final long timeoutNs)
    {
        if (maxPayload < 576 - 20)
        {
            throw new IllegalArgumentException("RFC 1122 §3.3.2: datagrams of 576 octets must be reassembled");
        }
        this.maxPayload = maxPayload & ~(BLOCK - 1);
        this.timeoutNs = timeoutNs;
        this.slotCount = ports * SLOTS_PER_PORT;
        used = new boolean[slotCount];
        port = new int[slotCount];
        srcIp = new int[slotCount];
        dstIp = new int[slotCount];
        ipId = new int[slotCount];
        startedNs = new long[slotCount];
        l2Length = new int[slotCount];
        ipHeaderLength = new int[slotCount];
        payloadLength = new int[slotCount];
        received = new int[slotCount];
        maxEnd = new int[slotCount];
        headers = new UnsafeBuffer[slotCount];
        payloads = new UnsafeBuffer[slotCount];
        blocks = new long[slotCount][(this.maxPayload / BLOCK + 63) / 64];
        for (int s = 0; s < slotCount; s++)
        {
            headers[s] = new UnsafeBuffer(new byte[MAX_HEADERS]);
            payloads[s] = new UnsafeBuffer(new byte[this.maxPayload]);
        }
    }

    /**
     * Takes a fragment the classifier read into {@code view}: the first fragment of a client DHCP datagram
     * ({@link FrameClass#IP_FRAGMENT}), or any later UDP fragment.
     *
     * @return {@link #HELD}, {@link #COMPLETE}, {@link #NOT_OURS} or a negative drop reason.
     */
    public int offer(final int portSlot, final DirectBuffer frame, final FrameView view, final long nowNs)
    {
        final int ip = view.l3Offset();
        final int ihl = view.ipHeaderLength();
        final int offset = view.fragmentOffset();
        final int length = view.ipTotalLength() - ihl;
        int slot = find(portSlot, view);
        if (slot < 0 && offset != 0)
        {
            return NOT_OURS;
        }
        if (Checksums.internetChecksum(frame, ip, ihl) != 0 || view.moreFragments() && (length & (BLOCK - 1)) != 0)
        {
            return MALFORMED;
        }
        if (slot < 0)
        {
            slot = open(portSlot, view, nowNs);
        }
        if (offset + length > maxPayload)
        {
            used[slot] = false;
            return OVERSIZED;
        }
        final int end = offset + length;
        final boolean last = !view.moreFragments();
        final boolean inconsistent = payloadLength[slot] >= 0
            ? end > payloadLength[slot] || last
            : last && maxEnd[slot] > end;
        if (inconsistent || !markBlocks(slot, offset, end))
        {
            used[slot] = false;
            return OVERLAP;
        }
        if (last)
        {
            payloadLength[slot] = end;
        }
        maxEnd[slot] = Math.max(maxEnd[slot], end);
        if (offset == 0)
        {
            final int l2 = ip - view.frameOffset();
            l2Length[slot] = l2;
            ipHeaderLength[slot] = ihl;
            headers[slot].putBytes(0, frame, view.frameOffset(), l2 + ihl);
        }
        payloads[slot].putBytes(offset, frame, ip + ihl, length);
        received[slot] += length;
        if (payloadLength[slot] >= 0 && received[slot] == payloadLength[slot] && ipHeaderLength[slot] > 0)
        {
            completed = slot;
            return COMPLETE;
        }
        return HELD;
    }

    /**
     * Writes the datagram the last {@link #COMPLETE} finished as one frame, and frees its slot.
     *
     * @return the frame's length, or -1 if it does not fit in {@code capacity} (the datagram is dropped).
     */
    public int writeDatagram(final MutableDirectBuffer out, final int capacity)
    {
        final int slot = completed;
        if (slot < 0)
        {
            throw new IllegalStateException("no datagram completed");
        }
        completed = -1;
        used[slot] = false;
        final int l2 = l2Length[slot];
        final int ihl = ipHeaderLength[slot];
        final int total = ihl + payloadLength[slot];
        if (l2 + total > capacity)
        {
            return -1;
        }
        out.putBytes(0, headers[slot], 0, l2 + ihl);
        out.putShort(l2 + FrameClassifier.IP_TOTAL_LENGTH_OFFSET, (short)total, NET);
        out.putShort(l2 + FrameClassifier.IP_FRAGMENT_OFFSET, (short)0, NET);
        out.putShort(l2 + FrameClassifier.IP_CHECKSUM_OFFSET, (short)0, NET);
        out.putShort(l2 + FrameClassifier.IP_CHECKSUM_OFFSET, (short)Checksums.internetChecksum(out, l2, ihl), NET);
        out.putBytes(l2 + ihl, payloads[slot], 0, payloadLength[slot]);
        return l2 + total;
    }

    /** Abandons the datagrams older than the timeout. */
    public void expire(final long nowNs)
    {
        for (int s = 0; s < slotCount; s++)
        {
            if (used[s] && nowNs - startedNs[s] > timeoutNs)
            {
                used[s] = false;
                abandoned++;
            }
        }
    }

    /**
     * @return datagrams abandoned incomplete since the last call: timed out, or given up for a newer one on a port
     * with no free slot.
     */
    public int takeAbandoned()
    {
        final int n = abandoned;
        abandoned = 0;
        return n;
    }

    /** @return datagrams in progress. */
    public int inProgress()
    {
        int n = 0;
        for (int s = 0; s < slotCount; s++)
        {
            n += used[s] ? 1 : 0;
        }
        return n;
    }

    private int find(final int portSlot, final FrameView view)
    {
        final int first = portSlot * SLOTS_PER_PORT;
        for (int s = first; s < first + SLOTS_PER_PORT; s++)
        {
            if (used[s] && port[s] == portSlot && ipId[s] == view.ipId() && srcIp[s] == view.srcIp() &&
                dstIp[s] == view.dstIp())
            {
                return s;
            }
        }
        return -1;
    }

    private int open(final int portSlot, final FrameView view, final long nowNs)
    {
        final int first = portSlot * SLOTS_PER_PORT;
        int slot = -1;
        for (int s = first; s < first + SLOTS_PER_PORT; s++)
        {
            if (!used[s])
            {
                slot = s;
                break;
            }
            if (slot < 0 || startedNs[s] - startedNs[slot] < 0)
            {
                slot = s;
            }
        }
        if (used[slot])
        {
            abandoned++;
        }
        used[slot] = true;
        port[slot] = portSlot;
        srcIp[slot] = view.srcIp();
        dstIp[slot] = view.dstIp();
        ipId[slot] = view.ipId();
        startedNs[slot] = nowNs;
        l2Length[slot] = 0;
        ipHeaderLength[slot] = 0;
        payloadLength[slot] = -1;
        received[slot] = 0;
        maxEnd[slot] = 0;
        Arrays.fill(blocks[slot], 0L);
        return slot;
    }

    /** Marks the 8-byte blocks of [from, to); @return false if one was already held. */
    private boolean markBlocks(final int slot, final int from, final int to)
    {
        final long[] bits = blocks[slot];
        final int last = (to + BLOCK - 1) / BLOCK;
        for (int b = from / BLOCK; b < last; b++)
        {
            if ((bits[b >>> 6] & (1L << b)) != 0)
            {
                return false;
            }
        }
        for (int b = from / BLOCK; b < last; b++)
        {
            bits[b >>> 6] |= 1L << b;
        }
        return true;
    }
}
