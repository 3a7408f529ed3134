package io.dvmc.service;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.fuzz.FuzzFiles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays a lease journal built from arbitrary bytes: whole records written by the service mixed with damage.
 * Opening it either fails with an IOException (no journal header) or replays, in order, every whole record written
 * after the header, whatever damage lies before, between or after them; and a second open replays the same.
 */
class LeaseJournalFuzzTest
{
    private static final int[] TYPES = {JournalRecord.BOUND, JournalRecord.RELEASED, JournalRecord.EXPIRED,
        JournalRecord.HEADER, JournalRecord.IDENTITY};
    private static Path dir;

    private final JournalRecord writer = new JournalRecord();
    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[JournalRecord.LENGTH]);

    @BeforeAll
    static void createDir() throws IOException
    {
        dir = FuzzFiles.scratchDir();
    }

    @AfterAll
    static void deleteDir() throws IOException
    {
        emptyDir();
        Files.deleteIfExists(dir);
    }

    /** The journal, its lock, and the copies and quarantine files that damage leaves behind. */
    private static void emptyDir() throws IOException
    {
        try (var files = Files.list(dir))
        {
            for (final Path f : (Iterable<Path>)files::iterator)
            {
                Files.deleteIfExists(f);
            }
        }
    }

    @FuzzTest
    void anyJournalReplaysEveryWholeRecordWhateverDamageSurroundsItOrFailsWithAnIoException(
        final FuzzedDataProvider data) throws IOException
    {
        emptyDir();
        final List<String> whole = new ArrayList<>();
        final boolean header = data.consumeBoolean();
        final byte[] file = journal(data, header, whole);
        Files.write(dir.resolve(LeaseJournal.FILE_NAME), file);

        final List<String> replayed = new ArrayList<>();
        try
        {
            LeaseJournal.open(dir, record -> replayed.add(describe(record))).close();
        }
        catch (final IOException refused)
        {
            assertTrue(file.length > JournalRecord.LENGTH && !isHeader(file), "refused a journal with a sound header");
            return;
        }
        // Without a header written first, the file is a journal all the same when the fuzzer's own first record is
        // a header with the magic: every record after that one replays.
        final List<String> expected = header
            ? whole
            : isHeader(file) && !whole.isEmpty() && whole.getFirst().equals(describe(recordAt(file, 0)))
                ? whole.subList(1, whole.size())
                : List.of();
        assertEquals(expected, replayed);

        final List<String> again = new ArrayList<>();
        LeaseJournal.open(dir, record -> again.add(describe(record))).close();
        assertEquals(expected, again, "a second open replays differently");
    }

    /** A journal from the fuzzer's bytes; the records written whole after the header go to {@code whole}. */
    private byte[] journal(final FuzzedDataProvider data, final boolean header, final List<String> whole)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (header)
        {
            append(out, JournalRecord.HEADER, 0, JournalRecord.HEADER_MAGIC, 0, data.consumeLong());
        }
        while (data.remainingBytes() > 0)
        {
            if (data.consumeInt(0, 3) > 0)
            {
                final int type = data.pickValue(TYPES);
                if (type == JournalRecord.IDENTITY)
                {
                    // Version 3: a part of a lease's client identifier and names.
                    final int domainId = data.consumeInt();
                    final long mac = data.consumeLong();
                    final int address = data.consumeInt();
                    final long clientKey = data.consumeLong();
                    final int part = data.consumeInt(0, 18);
                    final int parts = data.consumeInt(1, 19);
                    final byte[] names = data.consumeBytes(JournalRecord.CHUNK_CAPACITY);
                    writer.writeIdentity(slot, 0, domainId, mac, address, clientKey, part, parts, names, 0,
                        names.length);
                    out.writeBytes(slot.byteArray());
                }
                else
                {
                    append(out, type, data.consumeInt(), data.consumeLong(), data.consumeInt(), data.consumeLong());
                }
                whole.add(describe(recordAt(slot.byteArray().clone(), 0)));
            }
            else
            {
                out.writeBytes(data.consumeBytes(data.consumeInt(1, 2 * JournalRecord.LENGTH)));
            }
        }
        return out.toByteArray();
    }

    private void append(final ByteArrayOutputStream out, final int type, final int domainId, final long mac,
        final int address, final long expiresAtMs)
    {
        writer.write(slot, 0, type, domainId, mac, address, expiresAtMs, mac * 31, expiresAtMs * 17, address >>> 3,
            domainId & 0xFFFF, mac ^ expiresAtMs);
        out.writeBytes(slot.byteArray());
    }

    // The format, independently of the reader: a header record first, then 64-byte records each led by the CRC32C
    // of its other 60 bytes.
    private static JournalRecord recordAt(final byte[] file, final int at)
    {
        return new JournalRecord().wrap(new UnsafeBuffer(file), at);
    }

    private static boolean isHeader(final byte[] file)
    {
        return file.length >= JournalRecord.LENGTH && isIntact(file, 0) &&
            file[JournalRecord.TYPE_OFFSET] == JournalRecord.HEADER &&
            ByteBuffer.wrap(file, JournalRecord.MAC_OFFSET, 8).getLong() == JournalRecord.HEADER_MAGIC;
    }

    private static boolean isIntact(final byte[] file, final int at)
    {
        final CRC32C crc = new CRC32C();
        crc.update(file, at + JournalRecord.TYPE_OFFSET, JournalRecord.LENGTH - JournalRecord.TYPE_OFFSET);
        return ByteBuffer.wrap(file, at, 4).getInt() == (int)crc.getValue();
    }

    private static String describe(final JournalRecord r)
    {
        return (char)r.type() + "/" + r.version() + " d" + r.domainId() + " a" + r.address() + " m" + r.mac() +
            " e" + r.expiresAtMs() + " v" + r.vmIdMsb() + ":" + r.vmIdLsb() + " l" + r.locationAddress() + ":" +
            r.locationPort() + " t" + r.transactionId();
    }
}
