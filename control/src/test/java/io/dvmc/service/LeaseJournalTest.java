package io.dvmc.service;

import io.dvmc.config.Addresses;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseJournalTest
{
    @TempDir
    Path dir;

    private final List<Long> replayedMacs = new ArrayList<>();
    private final List<Integer> replayedTypes = new ArrayList<>();
    private final List<String> damage = new ArrayList<>();

    @Test
    void recordsComeBackInTheOrderTheyWereWritten() throws Exception
    {
        try (LeaseJournal journal = open())
        {
            journal.appendBound(100, 1, 0x0A000064, 5_000, 7, 8, 0x7F000001, 4000, 99, ClientKeys.NONE, null);
            journal.appendEnded(JournalRecord.RELEASED, 100, 1, 0x0A000064);
            journal.appendBound(200, 2, 0x0A000065, 6_000, 0, 0, 0, 0, 0, ClientKeys.NONE, null);
            journal.sync();
        }

        final List<long[]> bound = new ArrayList<>();
        try (LeaseJournal journal = LeaseJournal.open(dir, r -> {
            replayedTypes.add(r.type());
            if (r.type() == JournalRecord.BOUND)
            {
                bound.add(new long[]{r.domainId(), r.mac(), r.address(), r.expiresAtMs(), r.vmIdMsb(), r.vmIdLsb(),
                    r.locationAddress(), r.locationPort(), r.transactionId()});
            }
        }))
        {
            assertEquals(3, journal.records());
        }
        assertEquals(List.of(JournalRecord.BOUND, JournalRecord.RELEASED, JournalRecord.BOUND), replayedTypes);
        assertEquals(List.of(100L, 1L, 0x0A000064L, 5_000L, 7L, 8L, 0x7F000001L, 4000L, 99L),
            toList(bound.get(0)));
    }

    @Test
    void theJournalWritesZerosAheadOfItsRecordsSoThatTheirSyncsLeaveTheFileSizeAlone() throws Exception
    {
        final long room = JournalRecord.LENGTH + LeaseJournal.PREALLOCATE_BYTES;
        try (LeaseJournal journal = open())
        {
            journal.appendBound(100, 1, 0x0A000064, 10_000, 0, 0, 0, 0, 1, ClientKeys.NONE, null);
            journal.sync();
            assertEquals(room, Files.size(file()));
            final int fit = LeaseJournal.PREALLOCATE_BYTES / JournalRecord.LENGTH;
            for (long mac = 2; mac <= fit; mac++)
            {
                journal.appendEnded(JournalRecord.RELEASED, 100, mac, 0x0A000064);
                journal.sync();
            }
            assertEquals(room, Files.size(file()), "every record went into the zeros written ahead");
            journal.appendEnded(JournalRecord.RELEASED, 100, fit + 1, 0x0A000064);
            journal.sync();
            assertEquals(room + LeaseJournal.PREALLOCATE_BYTES, Files.size(file()));
        }
    }

    @Test
    void zerosAfterTheLastRecordAreRoomForTheNextAppendsNotATornTail() throws Exception
    {
        writeThree();
        final long size = Files.size(file());
        assertTrue(size > 4 * JournalRecord.LENGTH, "zeros written ahead: " + size);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L), replayedMacs);
            assertEquals(0, journal.truncatedBytes());
            assertEquals(0, journal.damagedSpans());
            journal.appendBound(100, 4, 0x0A000067, 10_000, 0, 0, 0, 0, 4, ClientKeys.NONE, null);
            journal.sync();
        }
        assertEquals(size, Files.size(file()));
        replayedMacs.clear();

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L, 4L), replayedMacs);
        }
    }

    @Test
    void aShortLastRecordIsCutAndEverythingBeforeItKept() throws Exception
    {
        writeThree();
        cutAfterRecords(3);
        appendRaw(recordBytes(4, 30));

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L), replayedMacs);
            assertEquals(30, journal.truncatedBytes());
        }
        assertEquals(4 * JournalRecord.LENGTH, Files.size(file()));
    }

    @Test
    void aRecordCutShortInTheZerosWrittenAheadIsDamageNotATornTail() throws Exception
    {
        writeThree();
        writeAt(4 * JournalRecord.LENGTH, recordBytes(4, 30));

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L), replayedMacs);
            assertEquals(1, journal.damagedSpans());
            assertEquals(0, journal.truncatedBytes());
        }
        assertEquals(List.of(4L * JournalRecord.LENGTH + ":" + JournalRecord.LENGTH + ":unreadable"), damage);
        assertEquals(4 * JournalRecord.LENGTH, Files.size(file()));
    }

    @Test
    void aFlippedByteInsideTheJournalIsReportedWithItsOffsetAndEveryRecordAfterItIsKept() throws Exception
    {
        writeTen();
        flipByte(3 * JournalRecord.LENGTH + JournalRecord.ADDRESS_OFFSET + 3);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), replayedMacs);
            assertEquals(1, journal.damagedSpans());
            assertEquals(0, journal.truncatedBytes());
        }
        assertEquals(List.of(3L * JournalRecord.LENGTH + ":" + JournalRecord.LENGTH + ":mac 3 address 10.0.0.102"),
            damage);
        assertEquals(1, damagedCopies());
    }

    @Test
    void bytesCutOutOfARecordAreReportedAndTheRecordsAfterThemKept() throws Exception
    {
        writeTen();
        final byte[] bytes = Files.readAllBytes(file());
        final int cutAt = 6 * JournalRecord.LENGTH + 30;
        final byte[] cut = new byte[bytes.length - 20];
        System.arraycopy(bytes, 0, cut, 0, cutAt);
        System.arraycopy(bytes, cutAt + 20, cut, cutAt, bytes.length - cutAt - 20);
        Files.write(file(), cut);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 7L, 8L, 9L, 10L), replayedMacs);
            assertEquals(1, journal.damagedSpans());
        }
        assertEquals(List.of(6L * JournalRecord.LENGTH + ":" + (JournalRecord.LENGTH - 20) + ":unreadable"), damage);
    }

    @Test
    void aDamagedLastRecordIsDamageNotATornTail() throws Exception
    {
        writeThree();
        flipByte(3 * JournalRecord.LENGTH + JournalRecord.MAC_OFFSET + 7);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L), replayedMacs);
            assertEquals(1, journal.damagedSpans());
            assertEquals(0, journal.truncatedBytes());
        }
        assertEquals(List.of(3L * JournalRecord.LENGTH + ":" + JournalRecord.LENGTH + ":mac 3 address 10.0.0.102"),
            damage);
    }

    @Test
    void aVersionOneJournalIsReadAsItIsAndTakesNewRecordsAfterItsOwn() throws Exception
    {
        final ByteBuffer old = ByteBuffer.allocate(3 * JournalRecord.LENGTH);
        versionOneRecord(old, JournalRecord.HEADER, 0, JournalRecord.HEADER_MAGIC, 0);
        versionOneRecord(old, JournalRecord.BOUND, 100, 1, 0x0A000064);
        versionOneRecord(old, JournalRecord.BOUND, 100, 2, 0x0A000065);
        Files.write(file(), old.array());

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L), replayedMacs);
            journal.appendBound(100, 3, 0x0A000066, 10_000, 0, 0, 0, 0, 3, ClientKeys.NONE, null);
            journal.sync();
        }
        replayedMacs.clear();
        flipByte(JournalRecord.LENGTH + JournalRecord.ADDRESS_OFFSET);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(2L, 3L), replayedMacs);
            assertEquals(1, journal.damagedSpans());
        }
    }

    @Test
    void appendsAfterATruncationTakeThePlaceOfTheTornBytes() throws Exception
    {
        writeThree();
        cutAfterRecords(3);
        appendRaw(recordBytes(4, 10));
        try (LeaseJournal journal = open())
        {
            journal.appendBound(100, 4, 0x0A000067, 1, 0, 0, 0, 0, 0, ClientKeys.NONE, null);
            journal.sync();
        }
        replayedMacs.clear();

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L, 4L), replayedMacs);
            assertEquals(0, journal.truncatedBytes());
        }
    }

    @Test
    void aHalfCreatedJournalStartsEmpty() throws Exception
    {
        Files.write(file(), new byte[10]);

        try (LeaseJournal journal = open())
        {
            assertEquals(0, journal.records());
        }
        assertEquals(JournalRecord.LENGTH, Files.size(file()));
    }

    @Test
    void aFileThatIsNotAJournalIsRefused() throws Exception
    {
        Files.write(file(), new byte[200]);

        final IOException refused = assertThrows(IOException.class, this::open);
        assertTrue(refused.getMessage().contains("not a dvmc lease journal"), refused.getMessage());
    }

    @Test
    void aSecondServiceCannotOpenTheSameDirectory() throws Exception
    {
        try (LeaseJournal ignored = open())
        {
            final IOException refused = assertThrows(IOException.class, this::open);
            assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        }
        open().close();
    }

    @Test
    void compactionKeepsOnlyBoundUnexpiredLeases() throws Exception
    {
        final LeaseBook book = new LeaseBook();
        book.add(100, 1, 0x0A000064, LeaseBook.BOUND, 10_000);
        book.add(100, 2, 0x0A000065, LeaseBook.OFFERED, 10_000);
        book.add(100, 3, 0x0A000066, LeaseBook.BOUND, 500);
        try (LeaseJournal journal = open())
        {
            for (int i = 0; i < 10; i++)
            {
                journal.appendBound(100, 1, 0x0A000064, 10_000, 0, 0, 0, 0, i, ClientKeys.NONE, null);
            }
            journal.compact(book, new HeldAddresses(), 1_000, 0);
            assertEquals(1, journal.records());
            journal.appendBound(100, 9, 0x0A000070, 10_000, 0, 0, 0, 0, 0, ClientKeys.NONE, null);
            journal.sync();
        }

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 9L), replayedMacs);
        }
        assertTrue(Files.notExists(dir.resolve(LeaseJournal.COMPACT_FILE_NAME)));
    }

    private void writeThree() throws Exception
    {
        try (LeaseJournal journal = open())
        {
            for (long mac = 1; mac <= 3; mac++)
            {
                journal.appendBound(100, mac, 0x0A000063 + (int)mac, 10_000, 0, 0, 0, 0, mac, ClientKeys.NONE, null);
            }
            journal.sync();
        }
        replayedMacs.clear();
    }

    private void writeTen() throws Exception
    {
        try (LeaseJournal journal = open())
        {
            for (long mac = 1; mac <= 10; mac++)
            {
                journal.appendBound(100, mac, 0x0A000063 + (int)mac, 10_000, 0, 0, 0, 0, mac, ClientKeys.NONE, null);
                journal.sync();
            }
        }
        replayedMacs.clear();
    }

    private LeaseJournal open() throws IOException
    {
        return LeaseJournal.open(dir, new LeaseJournal.Replayer()
        {
            public void onRecord(final JournalRecord r)
            {
                replayedMacs.add(r.mac());
            }

            public void onDamage(final long offset, final long length, final JournalRecord repaired)
            {
                damage.add(offset + ":" + length + ":" +
                    (repaired == null
                        ? "unreadable"
                        : "mac " + repaired.mac() + " address " + Addresses.ipv4(repaired.address())));
            }
        });
    }

    private long damagedCopies() throws IOException
    {
        try (var files = Files.list(dir))
        {
            return files.filter(f -> f.getFileName().toString().startsWith(LeaseJournal.FILE_NAME + ".damaged-"))
                .count();
        }
    }

    /** A record as dvmc wrote it before the sync marker: version 1, zeros in bytes 6..7. */
    private static void versionOneRecord(final ByteBuffer out, final int type, final int domainId, final long mac,
        final int address)
    {
        final int at = out.position();
        out.putInt(0).put((byte)type).put((byte)1).putShort((short)0).putInt(domainId).putInt(address).putLong(mac)
            .putLong(10_000).put(new byte[JournalRecord.LENGTH - 32]);
        final CRC32C crc = new CRC32C();
        crc.update(out.array(), at + 4, JournalRecord.LENGTH - 4);
        out.putInt(at, (int)crc.getValue());
    }

    private Path file()
    {
        return dir.resolve(LeaseJournal.FILE_NAME);
    }

    private void appendRaw(final byte[] bytes) throws IOException
    {
        Files.write(file(), bytes, StandardOpenOption.APPEND);
    }

    /** Cuts the zeros written ahead: the file as a journal that appended record by record (a full disk) leaves it. */
    private void cutAfterRecords(final int records) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE))
        {
            ch.truncate((records + 1L) * JournalRecord.LENGTH);
        }
    }

    /** The first {@code length} bytes of a BOUND record for {@code mac}: an append cut short. */
    private static byte[] recordBytes(final long mac, final int length)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[JournalRecord.LENGTH]);
        new JournalRecord().write(b, 0, JournalRecord.BOUND, 100, mac, 0x0A000063 + (int)mac, 10_000, 0, 0, 0, 0, mac);
        return Arrays.copyOf(b.byteArray(), length);
    }

    private void writeAt(final long position, final byte[] bytes) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE))
        {
            ch.write(ByteBuffer.wrap(bytes), position);
        }
    }

    private void flipByte(final long position) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte)(b.get(0) ^ 0x01)).rewind();
            ch.write(b, position);
        }
    }

    private static List<Long> toList(final long[] values)
    {
        final List<Long> out = new ArrayList<>();
        for (final long v : values)
        {
            out.add(v);
        }
        return out;
    }
}
