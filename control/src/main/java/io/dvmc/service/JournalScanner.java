package io.dvmc.service;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads a lease journal's records in file order and never writes: the service's replay ({@link LeaseJournal}) and
 * the operator's tools (the dump, the lease listing of a running service) read a journal the same way. Bytes that
 * are no valid record are scanned past, byte by byte, to the next record whose sync marker and CRC hold.
 */
final class JournalScanner
{
    private static final int IO_RECORDS = 256;

    /** What a scan finds, in file order. */
    interface Visitor
    {
        /** An intact record at byte {@code offset}; the flyweight is valid only during the call. */
        void onRecord(long offset, JournalRecord record) throws IOException;

        /** Bytes {@code [start, end)} between intact records hold no valid record. */
        void onDamage(long start, long end) throws IOException;
    }

    private final FileChannel channel;
    private final ByteBuffer io = ByteBuffer.allocateDirect(IO_RECORDS * JournalRecord.LENGTH);
    private final UnsafeBuffer ioView = new UnsafeBuffer(io);
    private final JournalRecord record = new JournalRecord();
    private long windowStart;
    private int windowLength;

    JournalScanner(final FileChannel channel)
    {
        this.channel = channel;
    }

    /** Whether the first record of the first {@code size} bytes is an intact journal header. */
    boolean headerIntact(final long size) throws IOException
    {
        if (size < JournalRecord.LENGTH)
        {
            return false;
        }
        fill(0, size);
        record.wrap(ioView, 0);
        return record.isIntact() && record.type() == JournalRecord.HEADER && record.mac() == JournalRecord.HEADER_MAGIC;
    }

    /**
     * Visits the records after the header in the first {@code size} bytes, and the damaged spans between them.
     *
     * @return where the last intact record ends: bytes from there to {@code size} are a tail without any valid
     *     record (see {@link #isTornAppend}).
     */
    long scan(final long size, final Visitor visitor) throws IOException
    {
        windowLength = 0;
        long at = JournalRecord.LENGTH;
        long damageStart = -1;
        while (at + JournalRecord.LENGTH <= size)
        {
            fill(at, size);
            record.wrap(ioView, (int)(at - windowStart));
            if (!record.isValid())
            {
                // Not a record here: resynchronise on the next offset where one validates.
                damageStart = damageStart < 0 ? at : damageStart;
                at++;
                continue;
            }
            if (damageStart >= 0)
            {
                visitor.onDamage(damageStart, at);
                damageStart = -1;
                fill(at, size);
                record.wrap(ioView, (int)(at - windowStart));
            }
            visitor.onRecord(at, record);
            at += JournalRecord.LENGTH;
        }
        return damageStart >= 0 ? damageStart : at;
    }

    /**
     * Where the bytes of the tail {@code [tail, size)} that are not zero end, rounded up to a whole record from
     * {@code tail} (at most {@code size}): zeros after that are room the service wrote ahead of its appends, not a
     * part of any record. {@code tail} when the tail is all zeros.
     */
    long dataEnd(final long tail, final long size) throws IOException
    {
        long lastNonZero = -1;
        for (long at = tail; at < size;)
        {
            fill(at, size);
            final int n = (int)Math.min(windowLength - (at - windowStart), size - at);
            for (int i = 0; i < n; i++)
            {
                if (ioView.getByte((int)(at - windowStart) + i) != 0)
                {
                    lastNonZero = at + i;
                }
            }
            at += n;
        }
        if (lastNonZero < 0)
        {
            return tail;
        }
        final long records = (lastNonZero - tail) / JournalRecord.LENGTH + 1;
        return Math.min(size, tail + records * JournalRecord.LENGTH);
    }

    /**
     * Whether the tail {@code [tail, end)}, {@code end} its {@link #dataEnd}, is where a crash interrupted an append:
     * shorter than a record. Nothing in it was acknowledged, since a sync covers all earlier bytes. Anything else is
     * damage.
     */
    static boolean isTornAppend(final long tail, final long end)
    {
        return end - tail < JournalRecord.LENGTH;
    }

    /** The record a damaged span of exactly one record's length held, if one byte changed ({@link RecordRepair}). */
    JournalRecord repair(final long start, final long end) throws IOException
    {
        if (end - start != JournalRecord.LENGTH)
        {
            return null;
        }
        fill(start, end);
        return new RecordRepair().repair(ioView, (int)(start - windowStart));
    }

    /** Makes {@code [at, min(at + window, size))} readable in {@link #io}, reading only if it is not already. */
    private void fill(final long at, final long size) throws IOException
    {
        final long want = Math.min(io.capacity(), size - at);
        if (at >= windowStart && at + want <= windowStart + windowLength)
        {
            return;
        }
        io.clear().limit((int)want);
        while (io.hasRemaining())
        {
            if (channel.read(io, at + io.position()) < 0)
            {
                break;
            }
        }
        windowStart = at;
        windowLength = io.position();
    }
}
