package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_mbuf_layout;
import io.dvmc.bindings.shim.dvmc_shim_h;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes {@code struct rte_mbuf} fields of an mbuf pointer. The field offsets come from the shim once (at
 * class init, no EAL needed); the fields are then accessed through one segment over the whole address space, so a
 * packet costs no downcall and no allocation (DESIGN section 3). Single-segment mbufs unless said otherwise.
 *
 * <p>Packet bytes: {@code buffer.wrap(dataAddress(m), dataLength(m))} on a reused Agrona {@link UnsafeBuffer}, or
 * {@link #wrap}.
 */
public final class Mbufs
{

    // Static final, so the JIT folds its (unbounded) bounds; the pointers are trusted to be mbufs.
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private static final long BUF_ADDR;
    private static final long DATA_OFF;
    private static final long DATA_LEN;
    private static final long PKT_LEN;
    private static final long NB_SEGS;
    private static final long NEXT;
    private static final long OL_FLAGS;
    private static final long BUF_LEN;
    private static final long PORT;
    private static final long PACKET_TYPE;

    /** sizeof(struct rte_mbuf). */
    public static final int MBUF_SIZE;
    /** RTE_PKTMBUF_HEADROOM: where a fresh mbuf's data starts in its buffer. */
    public static final int DEFAULT_HEADROOM;

    /** What the port says of a received frame's L4 checksum ({@link #rxL4Checksum}). */
    public static final int RX_L4_CKSUM_UNKNOWN = 0;
    /** Checked by the port and correct. */
    public static final int RX_L4_CKSUM_GOOD = 1;
    /** Checked by the port and wrong. */
    public static final int RX_L4_CKSUM_BAD = 2;
    /** Not filled in (a partial checksum from a local sender), but the data is known intact (virtio offload). */
    public static final int RX_L4_CKSUM_NONE = 3;

    private static final long RX_L4_GOOD_FLAG;
    private static final long RX_L4_BAD_FLAG;

    static
    {
        try (Arena arena = Arena.ofConfined())
        {
            MemorySegment l = dvmc_mbuf_layout.allocate(arena);
            dvmc_shim_h.dvmc_mbuf_layout(l);
            BUF_ADDR = dvmc_mbuf_layout.buf_addr(l);
            DATA_OFF = dvmc_mbuf_layout.data_off(l);
            DATA_LEN = dvmc_mbuf_layout.data_len(l);
            PKT_LEN = dvmc_mbuf_layout.pkt_len(l);
            NB_SEGS = dvmc_mbuf_layout.nb_segs(l);
            NEXT = dvmc_mbuf_layout.next(l);
            OL_FLAGS = dvmc_mbuf_layout.ol_flags(l);
            BUF_LEN = dvmc_mbuf_layout.buf_len(l);
            PORT = dvmc_mbuf_layout.port(l);
            PACKET_TYPE = dvmc_mbuf_layout.packet_type(l);
            MBUF_SIZE = dvmc_mbuf_layout.mbuf_size(l);
            DEFAULT_HEADROOM = dvmc_mbuf_layout.headroom(l);
            RX_L4_GOOD_FLAG = dvmc_mbuf_layout.rx_l4_cksum_good(l) & 0xffffffffL;
            RX_L4_BAD_FLAG = dvmc_mbuf_layout.rx_l4_cksum_bad(l) & 0xffffffffL;
        }
    }

    private Mbufs()
    {
    }

    /** Address of the first data byte: buf_addr + data_off. */
    public static long dataAddress(long mbuf)
    {
        return MEMORY.get(LONG, mbuf + BUF_ADDR) + (MEMORY.get(SHORT, mbuf + DATA_OFF) & 0xffff);
    }

    /** Bytes of data in this segment (data_len). */
    public static int dataLength(long mbuf)
    {
        return MEMORY.get(SHORT, mbuf + DATA_LEN) & 0xffff;
    }

    /** Bytes of data in the whole chain (pkt_len). */
    public static int packetLength(long mbuf)
    {
        return MEMORY.get(INT, mbuf + PKT_LEN);
    }

    /** Sets data_len and pkt_len of a single-segment mbuf; the caller keeps {@code length <= tailroom + data}. */
    public static void setLength(long mbuf, int length)
    {
        MEMORY.set(SHORT, mbuf + DATA_LEN, (short)length);
        MEMORY.set(INT, mbuf + PKT_LEN, length);
    }

    /** Bytes free before the data (data_off). */
    public static int headroom(long mbuf)
    {
        return MEMORY.get(SHORT, mbuf + DATA_OFF) & 0xffff;
    }

    /** Bytes free after the data of this segment. */
    public static int tailroom(long mbuf)
    {
        return bufferLength(mbuf) - headroom(mbuf) - dataLength(mbuf);
    }

    /** Bytes from the data start to the end of the buffer: the largest frame this segment can hold in place. */
    public static int capacity(long mbuf)
    {
        return bufferLength(mbuf) - headroom(mbuf);
    }

    /** Size of the data buffer (buf_len). */
    public static int bufferLength(long mbuf)
    {
        return MEMORY.get(SHORT, mbuf + BUF_LEN) & 0xffff;
    }

    /** Start of the data buffer (buf_addr). */
    public static long bufferAddress(long mbuf)
    {
        return MEMORY.get(LONG, mbuf + BUF_ADDR);
    }

    /** Segments in the chain (nb_segs); 1 for what the ports here receive up to the data room. */
    public static int segments(long mbuf)
    {
        return MEMORY.get(SHORT, mbuf + NB_SEGS) & 0xffff;
    }

    /** Next segment, or 0. */
    public static long next(long mbuf)
    {
        return MEMORY.get(LONG, mbuf + NEXT);
    }

    /** ol_flags (RTE_MBUF_F_*). */
    public static long offloadFlags(long mbuf)
    {
        return MEMORY.get(LONG, mbuf + OL_FLAGS);
    }

    /**
     * The rx L4 checksum state the PMD left in ol_flags: one of the {@code RX_L4_CKSUM_*} codes. A read of the
     * mbuf, no downcall.
     */
    public static int rxL4Checksum(long mbuf)
    {
        long flags = offloadFlags(mbuf);
        return ((flags & RX_L4_GOOD_FLAG) != 0 ? RX_L4_CKSUM_GOOD : 0) |
            ((flags & RX_L4_BAD_FLAG) != 0 ? RX_L4_CKSUM_BAD : 0);
    }

    /** The input port id set by the PMD on rx. */
    public static int port(long mbuf)
    {
        return MEMORY.get(SHORT, mbuf + PORT) & 0xffff;
    }

    /** packet_type (RTE_PTYPE_*), when the PMD classifies. */
    public static int packetType(long mbuf)
    {
        return MEMORY.get(INT, mbuf + PACKET_TYPE);
    }

    /** Wraps {@code buffer} on the data of {@code mbuf} (no allocation) and returns it. */
    public static UnsafeBuffer wrap(UnsafeBuffer buffer, long mbuf)
    {
        buffer.wrap(dataAddress(mbuf), dataLength(mbuf));
        return buffer;
    }

    /** Wraps {@code buffer} on the data and the tailroom of {@code mbuf}, to write a frame of up to that size. */
    public static UnsafeBuffer wrapForWrite(UnsafeBuffer buffer, long mbuf)
    {
        buffer.wrap(dataAddress(mbuf), dataLength(mbuf) + tailroom(mbuf));
        return buffer;
    }
}
