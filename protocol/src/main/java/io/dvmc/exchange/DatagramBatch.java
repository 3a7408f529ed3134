package io.dvmc.exchange;

import io.dvmc.wake.Descriptors;
import io.dvmc.wake.LinuxCalls;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;

/**
 * Many datagrams per system call on an IPv4 {@link DatagramChannel}: {@code recvmmsg(2)} fills up to {@code slots}
 * receive slots at once, and {@code sendmmsg(2)} sends every datagram queued since the last {@link #flush}. The channel
 * keeps its part (bind, options, close); this class only reads and writes its descriptor, from one thread.
 *
 * <p>Everything lives in memory allocated once: per slot a {@code struct mmsghdr} (64 bytes), an {@code iovec} (16) and a
 * {@code sockaddr_in} (16), for receiving and for sending apart, and {@code slotLength} bytes of data each. Nothing is
 * allocated per datagram, and a call that finds nothing costs one system call, as a {@code receive} that finds nothing
 * does.
 * <pre>
 *  struct mmsghdr (x86-64 Linux)         struct sockaddr_in
 *   0  msg_name        -> sockaddr_in      0  sin_family (2, host order)
 *   8  msg_namelen     16                  2  sin_port   (network order)
 *  16  msg_iov         -> iovec            4  sin_addr   (network order)
 *  24  msg_iovlen      1
 *  32  msg_control     null              struct iovec
 *  40  msg_controllen  0                   0  iov_base   -> slot's data
 *  48  msg_flags                           8  iov_len
 *  56  msg_len         (bytes, out)
 * </pre>
 */
public final class DatagramBatch
{
    static final int MMSGHDR_LENGTH = 64;
    static final int NAME_OFFSET = 0;
    static final int NAMELEN_OFFSET = 8;
    static final int IOV_OFFSET = 16;
    static final int IOVLEN_OFFSET = 24;
    static final int FLAGS_OFFSET = 48;
    static final int MSG_LEN_OFFSET = 56;
    static final int IOVEC_LENGTH = 16;
    static final int SOCKADDR_IN_LENGTH = 16;
    private static final int AF_INET = 2;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_TRUNC = 0x20;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    // Pointers are passed as 64-bit integers (the x86-64 and AArch64 ABIs pass both alike), so that a call at an offset
    // into the headers needs no MemorySegment object.
    private static final MethodHandle RECVMMSG = LINKER.downcallHandle(
        LINKER.defaultLookup().find("recvmmsg").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle SENDMMSG = LINKER.downcallHandle(
        LINKER.defaultLookup().find("sendmmsg").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));

    private final int fd;
    private final int slots;
    private final int slotLength;
    /** Freed with this object: a thread still polling when its owner closes the channel never meets freed memory. */
    private final Arena arena = Arena.ofAuto();
    private final Side rx;
    private final Side tx;
    private int queued;
    private long received;
    private long sent;
    private long sendFailures;
    private long receiveErrors;

    /**
     * @param channel    an IPv4 channel, bound, non-blocking.
     * @param slots      datagrams per call.
     * @param slotLength bytes a datagram may have; a longer one is cut to it ({@link #truncated}).
     */
    public DatagramBatch(final DatagramChannel channel, final int slots, final int slotLength) throws IOException
    {
        if (slots < 1 || slots > 1024 || slotLength < 1)
        {
            throw new IllegalArgumentException("slots 1-1024 and a positive slot length");
        }
        try
        {
            this.fd = Descriptors.of(channel);
        }
        catch (final IllegalStateException ex)
        {
            throw new IOException(ex.getMessage(), ex);
        }
        this.slots = slots;
        this.slotLength = slotLength;
        this.rx = new Side(arena, slots, slotLength);
        this.tx = new Side(arena, slots, slotLength);
        for (int i = 0; i < slots; i++)
        {
            rx.iovLength(i, slotLength);
        }
    }

    /**
     * Receives what is queued, up to {@code slots} datagrams, without waiting.
     *
     * @return how many: slots {@code 0 ..< n} then hold them until the next call.
     */
    public int receive()
    {
        return receive(slots);
    }

    /** Receives at most {@code max} (at most {@code slots}) datagrams; see {@link #receive()}. */
    public int receive(final int max)
    {
        final int vlen = Math.min(max, slots);
        if (vlen <= 0)
        {
            return 0;
        }
        for (int i = 0; i < vlen; i++)
        {
            rx.headers.putInt(i * MMSGHDR_LENGTH + NAMELEN_OFFSET, SOCKADDR_IN_LENGTH);
        }
        final int n;
        try
        {
            n = (int)RECVMMSG.invokeExact(fd, rx.headers.addressOffset(), vlen, MSG_DONTWAIT, 0L);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("recvmmsg", ex);
        }
        if (n < 0)
        {
            final int errno = LinuxCalls.errno();
            if (errno != EAGAIN && errno != EINTR)
            {
                receiveErrors++;
            }
            return 0;
        }
        received += n;
        return n;
    }

    /** The receive slots' data: slot {@code i} at {@link #offset}{@code (i)}. */
    public UnsafeBuffer rxBuffer()
    {
        return rx.data;
    }

    public int offset(final int slot)
    {
        return slot * slotLength;
    }

    /** Bytes of the datagram in receive slot {@code slot}. */
    public int length(final int slot)
    {
        return rx.headers.getInt(slot * MMSGHDR_LENGTH + MSG_LEN_OFFSET);
    }

    /** Whether the datagram in receive slot {@code slot} was longer than a slot (MSG_TRUNC): its tail is lost. */
    public boolean truncated(final int slot)
    {
        return (rx.headers.getInt(slot * MMSGHDR_LENGTH + FLAGS_OFFSET) & MSG_TRUNC) != 0;
    }

    /** The IPv4 address the datagram in receive slot {@code slot} came from, as an int (10.0.0.1 = 0x0A000001). */
    public int sourceAddress(final int slot)
    {
        return rx.names.getInt(slot * SOCKADDR_IN_LENGTH + 4, ByteOrder.BIG_ENDIAN);
    }

    public int sourcePort(final int slot)
    {
        return rx.names.getShort(slot * SOCKADDR_IN_LENGTH + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Queues a copy of {@code length} bytes for {@code address:port}; a full queue is flushed first.
     *
     * @return false for a datagram longer than a slot, which is not queued.
     */
    public boolean queue(final DirectBuffer src, final int srcOffset, final int length, final int address,
        final int port)
    {
        if (length > slotLength)
        {
            sendFailures++;
            return false;
        }
        if (queued == slots)
        {
            flush();
        }
        final int i = queued++;
        tx.data.putBytes(i * slotLength, src, srcOffset, length);
        tx.iovLength(i, length);
        tx.names.putShort(i * SOCKADDR_IN_LENGTH, (short)AF_INET, ByteOrder.nativeOrder());
        tx.names.putShort(i * SOCKADDR_IN_LENGTH + 2, (short)port, ByteOrder.BIG_ENDIAN);
        tx.names.putInt(i * SOCKADDR_IN_LENGTH + 4, address, ByteOrder.BIG_ENDIAN);
        return true;
    }

    /** Datagrams queued and not yet sent. */
    public int queued()
    {
        return queued;
    }

    /**
     * Sends every queued datagram, as few system calls as the kernel allows; one it refuses (a full send buffer, an
     * unreachable address) is counted in {@link #sendFailures} and skipped.
     *
     * @return datagrams the kernel took.
     */
    public int flush()
    {
        int from = 0;
        int taken = 0;
        while (from < queued)
        {
            final int n;
            try
            {
                n = (int)SENDMMSG.invokeExact(fd, tx.headers.addressOffset() + (long)from * MMSGHDR_LENGTH,
                    queued - from, MSG_DONTWAIT);
            }
            catch (final Throwable ex)
            {
                throw new IllegalStateException("sendmmsg", ex);
            }
            if (n > 0)
            {
                taken += n;
                from += n;
            }
            else if (n < 0 && LinuxCalls.errno() == EINTR)
            {
                continue;
            }
            else
            {
                // The first datagram left was refused: the sender retransmits, as for a lost one.
                sendFailures++;
                from++;
            }
        }
        queued = 0;
        sent += taken;
        return taken;
    }

    public long received()
    {
        return received;
    }

    public long sent()
    {
        return sent;
    }

    public long sendFailures()
    {
        return sendFailures;
    }

    public long receiveErrors()
    {
        return receiveErrors;
    }

    /** One direction's headers, iovecs, addresses and data, wired to each other once. */
    private static final class Side
    {
        final UnsafeBuffer headers;
        final UnsafeBuffer iovecs;
        final UnsafeBuffer names;
        final UnsafeBuffer data;

        Side(final Arena arena, final int slots, final int slotLength)
        {
            headers = view(arena.allocate((long)slots * MMSGHDR_LENGTH, 8));
            iovecs = view(arena.allocate((long)slots * IOVEC_LENGTH, 8));
            names = view(arena.allocate((long)slots * SOCKADDR_IN_LENGTH, 8));
            data = view(arena.allocate((long)slots * slotLength, 64));
            for (int i = 0; i < slots; i++)
            {
                final int h = i * MMSGHDR_LENGTH;
                headers.putLong(h + NAME_OFFSET, names.addressOffset() + (long)i * SOCKADDR_IN_LENGTH);
                headers.putInt(h + NAMELEN_OFFSET, SOCKADDR_IN_LENGTH);
                headers.putLong(h + IOV_OFFSET, iovecs.addressOffset() + (long)i * IOVEC_LENGTH);
                headers.putLong(h + IOVLEN_OFFSET, 1);
                iovecs.putLong(i * IOVEC_LENGTH, data.addressOffset() + (long)i * slotLength);
            }
        }

        void iovLength(final int slot, final int length)
        {
            iovecs.putLong(slot * IOVEC_LENGTH + 8, length);
        }

        private static UnsafeBuffer view(final MemorySegment segment)
        {
            segment.fill((byte)0);
            return new UnsafeBuffer(segment.address(), (int)segment.byteSize());
        }
    }
}
