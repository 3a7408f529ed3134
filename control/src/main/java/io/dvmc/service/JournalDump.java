package io.dvmc.service;

import io.dvmc.config.Addresses;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;

/**
 * Prints every record of a lease journal with its byte offset, and every damaged span with its offsets and, when it
 * is one record damaged in one byte, what it held ({@link RecordRepair}). Opens the file read-only: neither the
 * service's lock nor its truncation of a torn append, so it can be run on a live journal or a kept damaged copy.
 */
public final class JournalDump
{
    /** What a dump found. */
    public record Summary(long records, long damagedSpans, long damagedBytes, long tornTailBytes)
    {
    }

    private JournalDump()
    {
    }

    /**
     * Prints the journal to {@code out}, one line a record ("OFFSET TYPE ...") or damaged span ("OFFSET DAMAGED ...").
     *
     * @throws IOException if the file cannot be read or is not a lease journal.
     */
    public static Summary dump(final Path journal, final PrintStream out) throws IOException
    {
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final JournalScanner scanner = new JournalScanner(channel);
            if (!scanner.headerIntact(size))
            {
                throw new IOException(journal + " is not a dvmc lease journal (no intact header record)");
            }
            final long[] counts = new long[3];
            out.println("0 HEADER " + headerTime(channel));
            final long tail = scanner.scan(size, new JournalScanner.Visitor()
            {
                public void onRecord(final long offset, final JournalRecord r)
                {
                    counts[0]++;
                    out.println(offset + " " + describe(r));
                }

                public void onDamage(final long start, final long end) throws IOException
                {
                    counts[1]++;
                    counts[2] += end - start;
                    out.println(damage(start, end, scanner.repair(start, end)));
                }
            });
            long torn = 0;
            final long end = tail < size ? scanner.dataEnd(tail, size) : tail;
            if (end > tail)
            {
                if (JournalScanner.isTornAppend(tail, end))
                {
                    torn = end - tail;
                    out.println(tail + " TORN " + torn + " bytes of an append cut by a crash (the service drops " +
                        "them at its start; nothing in them was acknowledged)");
                }
                else
                {
                    counts[1]++;
                    counts[2] += end - tail;
                    out.println(damage(tail, end, scanner.repair(tail, end)));
                }
            }
            if (end < size)
            {
                out.println(end + " FREE " + (size - end) + " bytes of zeros written ahead of the next appends");
            }
            return new Summary(counts[0], counts[1], counts[2], torn);
        }
    }

    private static String headerTime(final FileChannel channel) throws IOException
    {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(JournalRecord.LENGTH);
        channel.read(b, 0);
        final JournalRecord r = new JournalRecord().wrap(new org.agrona.concurrent.UnsafeBuffer(b.array()), 0);
        return "version=" + r.version() + " created=" + Instant.ofEpochMilli(r.expiresAtMs());
    }

    private static String damage(final long start, final long end, final JournalRecord repaired)
    {
        return start + " DAMAGED end=" + end + " bytes=" + (end - start) +
            (repaired == null ? " held=unreadable" : " held=[" + describe(repaired) + "]");
    }

    private static String describe(final JournalRecord r)
    {
        final String common = " domain=" + Integer.toUnsignedString(r.domainId()) + " address=" +
            Addresses.ipv4(r.address()) + " mac=" + Addresses.mac(r.mac());
        return switch (r.type())
        {
            case JournalRecord.BOUND -> "BOUND" + common + " expires=" + Instant.ofEpochMilli(r.expiresAtMs()) +
                " vm=" + new UUID(r.vmIdMsb(), r.vmIdLsb()) + " location=" + Addresses.ipv4(r.locationAddress()) +
                ":" + r.locationPort() + " xid=" + Long.toHexString(r.transactionId());
            case JournalRecord.IDENTITY -> "IDENTITY" + common + " client_key=" + Long.toHexString(r.clientKey()) +
                " part=" + (r.part() + 1) + "/" + r.parts() + " bytes=" + r.partLength();
            case JournalRecord.RELEASED -> "RELEASED" + common;
            case JournalRecord.EXPIRED -> "EXPIRED" + common;
            case JournalRecord.DECLINED -> "DECLINED" + common + " until=" + Instant.ofEpochMilli(r.expiresAtMs());
            case JournalRecord.QUARANTINED -> "QUARANTINED" + common;
            case JournalRecord.LIFTED -> "LIFTED" + common;
            case JournalRecord.HEADER -> "HEADER" + common;
            default -> "TYPE_" + r.type() + common;
        } + " v" + r.version();
    }
}
