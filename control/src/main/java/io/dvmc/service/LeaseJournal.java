package io.dvmc.service;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The service's durable lease store (DESIGN §5, "service lease state", embedded default): an append-only file of
 * fixed-size {@link JournalRecord}s, each with its own CRC32C.
 *
 * <ul>
 *   <li>BOUND records are appended when a lease is bound or renewed, and {@link #sync()} (fdatasync) runs before
 *   the ACK leaves the service: an acknowledged lease survives kill -9 and power loss. RELEASED and EXPIRED records
 *   ride along with the next sync; losing one only keeps an address reserved until its lease expires. OFFERED
 *   state is not journalled: a lost offer costs the client one more DISCOVER.</li>
 *   <li>On open the file is replayed in order. The first record that is short or fails its CRC is where a crash
 *   interrupted a write: it and everything after it are truncated (nothing after it was ever synced, since a sync
 *   covers all earlier bytes), everything before it is kept.</li>
 *   <li>When the file holds more than {@code compactFactor} × the live leases, the live leases are rewritten to a
 *   new file, which is synced and atomically renamed over the journal; a crash at any point leaves either the old
 *   or the new file whole.</li>
 *   <li>A lock file keeps a second service off the same directory.</li>
 * </ul>
 *
 * Single-threaded (the service's agent thread).
 */
public final class LeaseJournal implements LeaseLog
{
    public static final String FILE_NAME = "leases.journal";
    static final String COMPACT_FILE_NAME = "leases.journal.compact";
    static final String LOCK_FILE_NAME = "leases.lock";
    public static final int DEFAULT_COMPACT_FACTOR = 4;
    public static final long DEFAULT_MIN_COMPACT_RECORDS = 4096;

    private static final int IO_RECORDS = 256;

    /** Receives every intact record in file order during {@link #open}. */
    @FunctionalInterface
    interface Replayer
    {
        void onRecord(JournalRecord record);
    }

    private final Path dir;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final int compactFactor;
    private final long minCompactRecords;
    private final ByteBuffer io = ByteBuffer.allocateDirect(IO_RECORDS * JournalRecord.LENGTH);
    private final UnsafeBuffer ioView = new UnsafeBuffer(io);
    private final JournalRecord record = new JournalRecord();
    private FileChannel channel;
    private long position;
    private long records;
    private long truncatedBytes;
    private boolean dirty;
    private boolean failed;

    private LeaseJournal(
        final Path dir, final FileChannel lockChannel, final FileLock lock, final int compactFactor,
        final long minCompactRecords)
    {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.compactFactor = compactFactor;
        this.minCompactRecords = minCompactRecords;
    }

    static LeaseJournal open(final Path dir, final Replayer replayer) throws IOException
    {
        return open(dir, DEFAULT_COMPACT_FACTOR, DEFAULT_MIN_COMPACT_RECORDS, replayer);
    }

    /**
     * Locks the directory, replays the journal into {@code replayer} and opens it for appending.
     *
     * @throws IOException if the directory is in use by another service, the file is not a lease journal, or I/O
     *     fails.
     */
    static LeaseJournal open(
        final Path dir, final int compactFactor, final long minCompactRecords, final Replayer replayer)
        throws IOException
    {
        Files.createDirectories(dir);
        final FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_FILE_NAME),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        final FileLock lock;
        try
        {
            lock = lockChannel.tryLock();
        }
        catch (final OverlappingFileLockException | IOException ex)
        {
            lockChannel.close();
            throw new IOException(dir + " is in use by another dvmc service", ex);
        }
        if (lock == null)
        {
            lockChannel.close();
            throw new IOException(dir + " is in use by another dvmc service");
        }
        final LeaseJournal journal = new LeaseJournal(dir, lockChannel, lock, compactFactor, minCompactRecords);
        try
        {
            journal.recover(replayer);
        }
        catch (final IOException | RuntimeException ex)
        {
            journal.close();
            throw ex;
        }
        return journal;
    }

    /** Appends a BOUND record; it becomes durable at the next {@link #sync()}. */
    public int appendBound(
        final int domainId,
        final long mac,
        final int address,
        final long expiresAtMs,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final long transactionId) throws LeaseStoreException
    {
        append(JournalRecord.BOUND, domainId, mac, address, expiresAtMs, vmIdMsb, vmIdLsb, locationAddress,
            locationPort, transactionId);
        return 0;
    }

    /** Appends a RELEASED or EXPIRED record. */
    public void appendEnded(final int type, final int domainId, final long mac, final int address)
        throws LeaseStoreException
    {
        append(type, domainId, mac, address, 0, 0, 0, 0, 0, 0);
    }

    /** Whether records were appended since the last sync. */
    public boolean isDirty()
    {
        return dirty;
    }

    /** Whether a write or sync failed; a failed journal refuses every append until the service restarts. */
    public boolean hasFailed()
    {
        return failed;
    }

    /** Makes every appended record durable (fdatasync). */
    public void sync() throws LeaseStoreException
    {
        if (!dirty)
        {
            return;
        }
        checkHealthy();
        try
        {
            channel.force(false);
            dirty = false;
        }
        catch (final IOException ex)
        {
            // After a failed fsync the page cache state is unknown (Linux may drop the dirty pages): stop.
            failed = true;
            throw new LeaseStoreException("lease journal sync failed: " + ex);
        }
    }

    /** Lease records in the file (the header not counted). */
    long records()
    {
        return records;
    }

    /** Bytes cut from the end at open because a crash had torn them. */
    long truncatedBytes()
    {
        return truncatedBytes;
    }

    public boolean shouldCompact(final long liveLeases)
    {
        return records > Math.max(minCompactRecords, compactFactor * liveLeases);
    }

    /**
     * Rewrites the journal as one BOUND record per bound, unexpired lease of {@code book}, synced and renamed
     * atomically over the old file. Leaves the journal synced.
     */
    public void compact(final LeaseBook book, final long nowMs) throws LeaseStoreException
    {
        checkHealthy();
        final Path tmp = dir.resolve(COMPACT_FILE_NAME);
        long written = 0;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            long at = 0;
            io.clear();
            int inBuffer = 0;
            writeHeader(inBuffer++);
            for (int slot = 0, limit = book.slotLimit(); slot < limit; slot++)
            {
                if (book.state(slot) != LeaseBook.BOUND || book.expiresAtMs(slot) <= nowMs)
                {
                    continue;
                }
                if (inBuffer == IO_RECORDS)
                {
                    at += writeFully(out, inBuffer, at);
                    inBuffer = 0;
                }
                record.write(ioView, inBuffer++ * JournalRecord.LENGTH, JournalRecord.BOUND, book.domainId(slot),
                    book.mac(slot), book.address(slot), book.expiresAtMs(slot), book.vmIdMsb(slot),
                    book.vmIdLsb(slot), book.locationAddress(slot), book.locationPort(slot),
                    book.transactionId(slot));
                written++;
            }
            writeFully(out, inBuffer, at);
            out.force(true);
        }
        catch (final IOException ex)
        {
            deleteQuietly(tmp);
            // The old journal is untouched and still open: keep using it.
            return;
        }
        try
        {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            deleteQuietly(tmp);
            return;
        }
        try
        {
            syncDirectory();
            channel.close();
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            position = channel.size();
            records = written;
            dirty = false;
        }
        catch (final IOException ex)
        {
            // The rename happened; appending to the old, unlinked file would lose records.
            failed = true;
            throw new LeaseStoreException("lease journal reopen after compaction failed: " + ex);
        }
    }

    /** A synced record is durable: every entry of a synced batch is. */
    public int outcome(final int entry)
    {
        return OK;
    }

    public void endBatch()
    {
    }

    public boolean isShared()
    {
        return false;
    }

    /** One service owns the journal's leases: nobody else changes them. */
    public int poll(final Listener listener)
    {
        return 0;
    }

    /** Every address of the policy is this service's. */
    public int claimBlock(final int domainId, final int[] firsts, final int count, final Listener listener)
    {
        return 0;
    }

    public void close()
    {
        try
        {
            if (channel != null)
            {
                if (dirty && !failed)
                {
                    channel.force(false);
                }
                channel.close();
            }
        }
        catch (final IOException ignore)
        {
            // Closing on shutdown: what was synced is safe, the rest was never acknowledged.
        }
        try
        {
            lock.release();
            lockChannel.close();
        }
        catch (final IOException ignore)
        {
            // The lock goes with the process anyway.
        }
    }

    private void recover(final Replayer replayer) throws IOException
    {
        deleteQuietly(dir.resolve(COMPACT_FILE_NAME));
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        final long size = channel.size();
        if (size < JournalRecord.LENGTH || (size == JournalRecord.LENGTH && !headerIntact()))
        {
            // New, or a crash while it was being created: nothing in it was ever acknowledged.
            channel.truncate(0);
            io.clear();
            writeHeader(0);
            writeFully(channel, 1, 0);
            channel.force(true);
            syncDirectory();
            position = JournalRecord.LENGTH;
            truncatedBytes = size;
            return;
        }
        if (!headerIntact())
        {
            throw new IOException(file + " is not a dvmc lease journal");
        }

        long at = JournalRecord.LENGTH;
        boolean torn = false;
        while (at < size && !torn)
        {
            io.clear();
            final long want = Math.min(io.capacity(), size - at);
            io.limit((int)want);
            while (io.hasRemaining())
            {
                if (channel.read(io, at + io.position()) < 0)
                {
                    break;
                }
            }
            final int whole = io.position() / JournalRecord.LENGTH;
            for (int i = 0; i < whole; i++)
            {
                record.wrap(ioView, i * JournalRecord.LENGTH);
                if (!record.isIntact())
                {
                    torn = true;
                    break;
                }
                replayer.onRecord(record);
                records++;
                at += JournalRecord.LENGTH;
            }
            if (whole * JournalRecord.LENGTH < io.position() || whole == 0)
            {
                // A short record at the end: the crash came mid-write.
                torn = true;
            }
        }
        if (at < size)
        {
            truncatedBytes = size - at;
            channel.truncate(at);
            channel.force(true);
        }
        position = at;
    }

    private boolean headerIntact() throws IOException
    {
        io.clear().limit(JournalRecord.LENGTH);
        while (io.hasRemaining())
        {
            if (channel.read(io, io.position()) < 0)
            {
                return false;
            }
        }
        record.wrap(ioView, 0);
        return record.isIntact() && record.type() == JournalRecord.HEADER && record.mac() == JournalRecord.HEADER_MAGIC;
    }

    private void writeHeader(final int index)
    {
        record.write(ioView, index * JournalRecord.LENGTH, JournalRecord.HEADER, 0, JournalRecord.HEADER_MAGIC, 0,
            System.currentTimeMillis(), 0, 0, 0, 0, 0);
    }

    private void append(
        final int type,
        final int domainId,
        final long mac,
        final int address,
        final long expiresAtMs,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final long transactionId) throws LeaseStoreException
    {
        checkHealthy();
        record.write(ioView, 0, type, domainId, mac, address, expiresAtMs, vmIdMsb, vmIdLsb, locationAddress,
            locationPort, transactionId);
        try
        {
            position += writeFully(channel, 1, position);
        }
        catch (final IOException ex)
        {
            failed = true;
            throw new LeaseStoreException("lease journal write failed: " + ex);
        }
        records++;
        dirty = true;
    }

    private long writeFully(final FileChannel out, final int recordCount, final long at) throws IOException
    {
        io.clear().limit(recordCount * JournalRecord.LENGTH);
        while (io.hasRemaining())
        {
            out.write(io, at + io.position());
        }
        return (long)recordCount * JournalRecord.LENGTH;
    }

    private void checkHealthy() throws LeaseStoreException
    {
        if (failed)
        {
            throw new LeaseStoreException("lease journal failed earlier; restart the service");
        }
    }

    private void syncDirectory() throws IOException
    {
        // Makes the rename (or the new file) itself durable; Linux allows fsync on a directory opened read-only.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ))
        {
            d.force(true);
        }
    }

    private static void deleteQuietly(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ignore)
        {
            // A leftover compaction file is deleted at the next open.
        }
    }
}
