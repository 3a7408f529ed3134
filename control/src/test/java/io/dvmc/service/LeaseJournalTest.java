package io.dvmc.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseJournalTest
{
    @TempDir
    Path dir;

    private final List<Long> replayedMacs = new ArrayList<>();
    private final List<Integer> replayedTypes = new ArrayList<>();

    @Test
    void recordsComeBackInTheOrderTheyWereWritten() throws Exception
    {
        try (LeaseJournal journal = open())
        {
            journal.appendBound(100, 1, 0x0A000064, 5_000, 7, 8, 0x7F000001, 4000, 99);
            journal.appendEnded(JournalRecord.RELEASED, 100, 1, 0x0A000064);
            journal.appendBound(200, 2, 0x0A000065, 6_000, 0, 0, 0, 0, 0);
            journal.sync();
        }

        final List<long[]> bound = new ArrayList<>();
        try (LeaseJournal journal = LeaseJournal.open(dir, r ->
        {
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
    void aShortLastRecordIsCutAndEverythingBeforeItKept() throws Exception
    {
        writeThree();
        appendRaw(new byte[30]);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L, 3L), replayedMacs);
            assertEquals(30, journal.truncatedBytes());
        }
        assertEquals(4 * JournalRecord.LENGTH, Files.size(file()));
    }

    @Test
    void aLastRecordWithABadCrcIsCut() throws Exception
    {
        writeThree();
        flipByte(3 * JournalRecord.LENGTH + JournalRecord.ADDRESS_OFFSET);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L, 2L), replayedMacs);
            assertEquals(JournalRecord.LENGTH, journal.truncatedBytes());
        }
    }

    @Test
    void aTornRecordEndsTheReplayEvenIfBytesFollowIt() throws Exception
    {
        writeThree();
        flipByte(2 * JournalRecord.LENGTH + JournalRecord.MAC_OFFSET + 7);

        try (LeaseJournal journal = open())
        {
            assertEquals(List.of(1L), replayedMacs);
            assertEquals(2 * JournalRecord.LENGTH, journal.truncatedBytes());
        }
    }

    @Test
    void appendsAfterATruncationTakeThePlaceOfTheTornBytes() throws Exception
    {
        writeThree();
        appendRaw(new byte[10]);
        try (LeaseJournal journal = open())
        {
            journal.appendBound(100, 4, 0x0A000067, 1, 0, 0, 0, 0, 0);
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
                journal.appendBound(100, 1, 0x0A000064, 10_000, 0, 0, 0, 0, i);
            }
            journal.compact(book, 1_000);
            assertEquals(1, journal.records());
            journal.appendBound(100, 9, 0x0A000070, 10_000, 0, 0, 0, 0, 0);
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
                journal.appendBound(100, mac, 0x0A000063 + (int)mac, 10_000, 0, 0, 0, 0, mac);
            }
            journal.sync();
        }
        replayedMacs.clear();
    }

    private LeaseJournal open() throws IOException
    {
        return LeaseJournal.open(dir, r -> replayedMacs.add(r.mac()));
    }

    private Path file()
    {
        return dir.resolve(LeaseJournal.FILE_NAME);
    }

    private void appendRaw(final byte[] bytes) throws IOException
    {
        Files.write(file(), bytes, StandardOpenOption.APPEND);
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
