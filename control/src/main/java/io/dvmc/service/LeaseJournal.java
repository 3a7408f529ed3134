package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.config.IoFaults;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.LongConsumer;

/**
 * The service's durable lease store (DESIGN §5, "service lease state", embedded default): an append-only file of
 * fixed-size {@link JournalRecord}s, each with its own CRC32C.
 *
 * <ul>
 *   <li>BOUND records are appended when a lease is bound or renewed, and {@link #sync()} (fdatasync) runs before
 *   the ACK leaves the service: an acknowledged lease survives kill -9 and power loss. RELEASED and EXPIRED records
 *   ride along with the next sync; losing one only keeps an address reserved until its lease expires. OFFERED
 *   state is not journalled: a lost offer costs the client one more DISCOVER.</li>
 *   <li>On open the file is replayed in order. Bytes that are no valid record are scanned past, byte by byte, to the
 *   next record whose sync marker and CRC hold ({@link JournalRecord}): every intact record before and after them is
 *   replayed. Zeros after the last record are room written ahead of the appends ({@link #PREALLOCATE_BYTES}), kept
 *   for them. Before those zeros, a tail without any valid record that is shorter than a record is where a crash
 *   interrupted an append (nothing in it was acknowledged, since a sync covers all earlier bytes): it is truncated,
 *   with an info line. Anything else is damage: logged with the file and byte offsets, counted
 *   ({@link #damagedSpans()}), reported to the replayer (which quarantines what the damaged bytes may have held), and
 *   the damaged file is kept beside the journal as {@code leases.journal.damaged-<ms>} for inspection. A whole
 *   record cut off the end cannot be told from a torn append.</li>
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
    /**
     * Zeros the file is grown by before the records that need the room: a sync then leaves the file's size alone,
     * so fdatasync writes the records only, without a commit of the file system's own journal for the new size
     * (on this project's ext4 test VM, 111 to 77 µs a sync, p50). 1,024 records; a full disk falls back to appending
     * record by record.
     */
    static final int PREALLOCATE_BYTES = 64 * 1024;

    private static final int IO_RECORDS = 256;
    private static final byte[] EMPTY = new byte[0];
    private static final Logger LOG = LoggerFactory.getLogger(LeaseJournal.class);

    /** Receives every intact record in file order during {@link #open}, and every damaged span where it was. */
    @FunctionalInterface
    interface Replayer
    {
        void onRecord(JournalRecord record);

        /**
         * Bytes {@code [offset, offset + length)} hold no valid record, and are not a torn tail.
         *
         * @param repaired the record they held, if they are one record damaged in one byte ({@link RecordRepair}),
         *     else null: they may have held any record.
         */
        default void onDamage(long offset, long length, JournalRecord repaired)
        {
        }
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
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(PREALLOCATE_BYTES);
    /** Told how long each sync took, in nanoseconds. */
    private volatile LongConsumer syncTimes = nanos -> {
    };
    private volatile FileChannel channel;
    private long position;
    /** The file's size: bytes from {@link #position} to here are zeros written ahead. */
    private long allocated;
    /** Where writing ahead is tried again after it failed (a full disk). */
    private long preallocateRetryAt;
    /** Bytes appended since open, across compactions: the positions a {@link JournalSyncer} syncs up to. */
    private long appended;
    /** The position a sync on this thread last made durable. */
    private long synced;
    private volatile JournalSyncer syncer;
    private Runnable wake = () -> {
    };
    /** Runs before each sync: a test's disk that takes its time. */
    private volatile Runnable beforeSync = () -> {
    };
    private long records;
    private long truncatedBytes;
    private long damagedSpans;
    private long damagedBytes;
    private boolean dirty;
    private int batchEntries;
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
        IoFaults.createStateDirectory(dir);
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
        catch (final IOException ex)
        {
            journal.close();
            throw IoFaults.about(dir.resolve(FILE_NAME), ex);
        }
        catch (final RuntimeException ex)
        {
            journal.close();
            throw ex;
        }
        return journal;
    }

    /**
     * Appends a BOUND record, and IDENTITY records after it when the client gave a client identifier or names; they
     * become durable at the next {@link #sync()}.
     */
    public int appendBound(
        final int domainId,
        final long mac,
        final int address,
        final long expiresAtMs,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final long transactionId,
        final long clientKey,
        final byte[] names) throws LeaseStoreException
    {
        append(JournalRecord.BOUND, domainId, mac, address, expiresAtMs, vmIdMsb, vmIdLsb, locationAddress,
            locationPort, transactionId);
        final int parts = identityParts(clientKey, names);
        for (int part = 0; part < parts; part++)
        {
            writeIdentity(0, domainId, mac, address, clientKey, part, parts, names);
            appendWritten();
        }
        return batchEntries++;
    }

    /** IDENTITY records a lease needs: none without a client identifier or names. */
    static int identityParts(final long clientKey, final byte[] names)
    {
        if (names == null)
        {
            return clientKey == ClientKeys.NONE ? 0 : 1;
        }
        return Math.max(1, (names.length + JournalRecord.CHUNK_CAPACITY - 1) / JournalRecord.CHUNK_CAPACITY);
    }

    private void writeIdentity(final int offset, final int domainId, final long mac, final int address,
        final long clientKey, final int part, final int parts, final byte[] names)
    {
        final int from = part * JournalRecord.CHUNK_CAPACITY;
        final int length = names == null ? 0 : Math.min(JournalRecord.CHUNK_CAPACITY, names.length - from);
        record.writeIdentity(ioView, offset, domainId, mac, address, clientKey, part, parts,
            names == null ? EMPTY : names, from, length);
    }

    /** Appends a RELEASED or EXPIRED record. */
    public void appendEnded(final int type, final int domainId, final long mac, final int address)
        throws LeaseStoreException
    {
        append(type, domainId, mac, address, 0, 0, 0, 0, 0, 0);
    }

    /** Appends a DECLINED, QUARANTINED or LIFTED record. */
    public void appendHeld(final int type, final int domainId, final int address, final long mac,
        final long untilMs) throws LeaseStoreException
    {
        append(type, domainId, mac, address, untilMs, 0, 0, 0, 0, 0);
    }

    /** Whether records were appended since the last sync. */
    public boolean isDirty()
    {
        return dirty;
    }

    /**
     * Whether a sync failed: what the file holds is then unknown (Linux may drop the pages it could not write), so
     * the journal refuses every append until a {@link #compact} has rewritten it whole from memory.
     */
    public boolean hasFailed()
    {
        return failed;
    }

    /**
     * Syncs from now on on a thread of its own ({@link JournalSyncer}): {@link #requestSync()} starts a sync and
     * returns, {@link #durable()} tells how far it got. {@link #sync()} still waits for it.
     */
    public void syncInBackground()
    {
        if (syncer == null)
        {
            syncer = new JournalSyncer("dvmc-journal-sync", () -> {
                beforeSync.run();
                return force();
            }, appended);
            syncer.wakeOnChange(wake);
        }
    }

    @Override
    public void wakeOnChange(final Runnable wake)
    {
        this.wake = wake;
        if (syncer != null)
        {
            syncer.wakeOnChange(wake);
        }
    }

    /**
     * Starts making every appended record durable, without waiting (in the background once
     * {@link #syncInBackground()} was called, else at once).
     *
     * @return the position a reply that depends on what was appended so far must see {@link #durable()} reach.
     */
    public long requestSync() throws LeaseStoreException
    {
        if (syncer == null)
        {
            sync();
            return appended;
        }
        checkHealthy();
        if (dirty)
        {
            dirty = false;
            syncer.request(appended);
        }
        return appended;
    }

    /**
     * The position up to which the journal is durable.
     *
     * @throws LeaseStoreException if a background sync failed: nothing after the last durable position may be
     *     acknowledged, and the journal refuses appends until a {@link #compact} rewrites it.
     */
    public long durable() throws LeaseStoreException
    {
        if (syncer == null)
        {
            return synced;
        }
        final IOException failure = syncer.failure();
        if (failure != null)
        {
            failed = true;
            throw new LeaseStoreException("lease journal sync failed: " + failure);
        }
        return syncer.durable();
    }

    /**
     * The position the background sync made durable, read from any thread and changing nothing; -1 when a sync
     * failed (the service thread then learns of it from {@link #durable()}).
     */
    long durableSoFar()
    {
        final JournalSyncer s = syncer;
        return s == null || s.failure() != null ? -1 : s.durable();
    }

    /** Makes every appended record durable (fdatasync), waiting for it. */
    public void sync() throws LeaseStoreException
    {
        if (syncer != null)
        {
            final long target = requestSync();
            syncer.awaitIdle();
            if (durable() < target)
            {
                throw new LeaseStoreException("lease journal closed before its sync");
            }
            return;
        }
        if (!dirty)
        {
            return;
        }
        checkHealthy();
        try
        {
            beforeSync.run();
            force();
            dirty = false;
            synced = appended;
        }
        catch (final IOException ex)
        {
            // After a failed fsync the page cache state is unknown (Linux may drop the dirty pages): appending
            // more would build on bytes that may not be there. Only a rewrite from memory mends it.
            failed = true;
            throw new LeaseStoreException("lease journal sync failed: " + ex);
        }
    }

    /** fdatasync of the journal, timed; @return how long it took, in nanoseconds. */
    private long force() throws IOException
    {
        final long start = System.nanoTime();
        channel.force(false);
        final long took = System.nanoTime() - start;
        syncTimes.accept(took);
        return took;
    }

    /** Tells {@code times} how long each sync takes from now on, in nanoseconds, on the thread that syncs. */
    public void timeSyncs(final LongConsumer times)
    {
        syncTimes = times;
    }

    /** Runs {@code hook} before each sync from now on, on the thread that syncs. */
    void beforeSync(final Runnable hook)
    {
        beforeSync = hook;
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

    /** Damaged spans found at open (not torn tails). */
    public long damagedSpans()
    {
        return damagedSpans;
    }

    /** Bytes in the damaged spans found at open. */
    public long damagedBytes()
    {
        return damagedBytes;
    }

    /** The journal file. */
    public Path file()
    {
        return file;
    }

    public boolean shouldCompact(final long liveLeases)
    {
        return records > Math.max(minCompactRecords, compactFactor * liveLeases);
    }

    /**
     * Rewrites the journal as one BOUND record per bound, unexpired lease of {@code book} and one record per
     * address {@code held} holds, synced and renamed atomically over the old file. Leaves the journal synced, and
     * mends a journal whose sync failed.
     *
     * @param nowMs        the time of the service's clock, which the book's and {@code held}'s times are of.
     * @param wallOffsetMs the wall clock less the service's clock: records hold wall-clock times, so that they keep
     *                     their meaning across restarts.
     * @throws LeaseStoreException if the new file could not be written (the journal in use is unchanged), or the
     *     journal could not be reopened after the rename (it has then failed).
     */
    public void compact(final LeaseBook book, final HeldAddresses held, final long nowMs, final long wallOffsetMs)
        throws LeaseStoreException
    {
        if (syncer != null)
        {
            // The file in use is replaced below: no sync of it may be running.
            syncer.awaitIdle();
        }
        final Path tmp = dir.resolve(COMPACT_FILE_NAME);
        final long[] written = {0};
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final Writer writer = new Writer(out);
            writeHeader(writer.next());
            for (int slot = 0, limit = book.slotLimit(); slot < limit; slot++)
            {
                if (book.state(slot) != LeaseBook.BOUND || book.expiresAtMs(slot) <= nowMs)
                {
                    continue;
                }
                record.write(ioView, writer.next(), JournalRecord.BOUND, book.domainId(slot), book.mac(slot),
                    book.address(slot), book.expiresAtMs(slot) + wallOffsetMs, book.vmIdMsb(slot), book.vmIdLsb(slot),
                    book.locationAddress(slot), book.locationPort(slot), book.transactionId(slot));
                written[0]++;
                final int parts = identityParts(book.clientKey(slot), book.names(slot));
                for (int part = 0; part < parts; part++)
                {
                    writeIdentity(writer.next(), book.domainId(slot), book.mac(slot), book.address(slot),
                        book.clientKey(slot), part, parts, book.names(slot));
                    written[0]++;
                }
            }
            held.forEach((domainId, address, until) -> {
                if (until > nowMs)
                {
                    final boolean quarantine = until == HeldAddresses.UNTIL_LIFTED;
                    record.write(ioView, writer.next(), quarantine ? JournalRecord.QUARANTINED : JournalRecord.DECLINED,
                        domainId, 0, address, quarantine ? 0 : until + wallOffsetMs, 0, 0, 0, 0, 0);
                    written[0]++;
                }
            });
            writer.finish();
            out.force(true);
        }
        catch (final IOException | UncheckedIOException ex)
        {
            deleteQuietly(tmp);
            // The old journal is untouched and still open: keep using it.
            throw new LeaseStoreException("lease journal compaction failed writing " + tmp + ": " + ex);
        }
        try
        {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            deleteQuietly(tmp);
            throw new LeaseStoreException("lease journal compaction failed renaming " + tmp + ": " + ex);
        }
        try
        {
            syncDirectory();
            channel.close();
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            position = channel.size();
            allocated = position;
            preallocateRetryAt = 0;
            records = written[0];
            dirty = false;
            failed = false;
            synced = appended;
            if (syncer != null)
            {
                syncer.reset(appended);
            }
        }
        catch (final IOException ex)
        {
            // The rename happened; appending to the old, unlinked file would lose records.
            failed = true;
            throw new LeaseStoreException("lease journal reopen after compaction failed: " + ex);
        }
    }

    /** Fills {@link #io} record by record and writes it out whenever it is full. */
    private final class Writer
    {
        private final FileChannel out;
        private long at;
        private int inBuffer;

        Writer(final FileChannel out)
        {
            this.out = out;
            io.clear();
        }

        /** The offset in {@link #ioView} of the next record to fill. */
        int next()
        {
            if (inBuffer == IO_RECORDS)
            {
                try
                {
                    at += writeFully(out, inBuffer, at);
                }
                catch (final IOException ex)
                {
                    // Unchecked to get through the visitors that fill records; compact() catches it.
                    throw new UncheckedIOException(ex);
                }
                inBuffer = 0;
            }
            return inBuffer++ * JournalRecord.LENGTH;
        }

        void finish() throws IOException
        {
            writeFully(out, inBuffer, at);
        }
    }

    /** A synced record is durable: every entry of a synced batch is. */
    public int outcome(final int entry)
    {
        return OK;
    }

    public void endBatch()
    {
        batchEntries = 0;
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
            if (syncer != null)
            {
                syncer.close();
            }
            if (channel != null)
            {
                if (!failed && (dirty || syncer != null))
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
            allocated = position;
            truncatedBytes = size;
            return;
        }
        if (!headerIntact())
        {
            throw new IOException(file + " is not a dvmc lease journal");
        }
        final JournalScanner scanner = new JournalScanner(channel);
        final long tail = scanner.scan(size, new JournalScanner.Visitor()
        {
            public void onRecord(final long offset, final JournalRecord r)
            {
                replayer.onRecord(r);
                records++;
            }

            public void onDamage(final long start, final long end) throws IOException
            {
                LeaseJournal.this.onDamage(start, end, scanner.repair(start, end), replayer);
            }
        });
        position = tail;
        allocated = size;
        final long end = tail < size ? scanner.dataEnd(tail, size) : tail;
        if (end > tail)
        {
            if (JournalScanner.isTornAppend(tail, end))
            {
                LOG.info("{}: {} bytes of an append torn by a crash cut at offset {}", file, end - tail, tail);
                truncatedBytes = end - tail;
            }
            else
            {
                onDamage(tail, end, scanner.repair(tail, end), replayer);
            }
            channel.truncate(tail);
            channel.force(true);
            allocated = tail;
        }
    }

    /** Reports damaged bytes {@code [start, end)}, keeping a copy of the file as found the first time. */
    private void onDamage(final long start, final long end, final JournalRecord repaired, final Replayer replayer)
        throws IOException
    {
        if (damagedSpans++ == 0)
        {
            final Path copy = dir.resolve(FILE_NAME + ".damaged-" + System.currentTimeMillis());
            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
            LOG.error("{} is damaged: a copy as found is kept in {}", file, copy);
        }
        damagedBytes += end - start;
        LOG.error("{}: damaged bytes at offset {}..{} ({} bytes) between intact records{}", file, start, end,
            end - start, repaired == null ? ": what they held cannot be read" : ": they held " + describe(repaired));
        replayer.onDamage(start, end - start, repaired);
    }

    private static String describe(final JournalRecord r)
    {
        return "a record of type '" + (char)r.type() + "' for domain " + Integer.toUnsignedString(r.domainId()) +
            ", address " + Addresses.ipv4(r.address()) + ", MAC " +
            Addresses.mac(r.mac());
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

    private void writeHeader(final int offset)
    {
        record.write(ioView, offset, JournalRecord.HEADER, 0, JournalRecord.HEADER_MAGIC, 0,
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
        appendWritten();
    }

    /** Appends the record written at the start of {@link #ioView}. */
    private void appendWritten() throws LeaseStoreException
    {
        if (position + JournalRecord.LENGTH > allocated && position >= preallocateRetryAt)
        {
            preallocate();
        }
        try
        {
            position += writeFully(channel, 1, position);
            allocated = Math.max(allocated, position);
        }
        catch (final IOException ex)
        {
            // A full disk (ENOSPC) or a quota: nothing was acknowledged from this record, and the records before it
            // are whole. Cut what part of it was written; the next append tries the same place again.
            truncateToPosition();
            throw new LeaseStoreException("lease journal write failed: " + ex);
        }
        records++;
        appended += JournalRecord.LENGTH;
        dirty = true;
    }

    /** Writes {@link #PREALLOCATE_BYTES} of zeros from {@link #position}: the room for the next records. */
    private void preallocate()
    {
        try
        {
            zeros.clear();
            while (zeros.hasRemaining())
            {
                channel.write(zeros, position + zeros.position());
            }
            allocated = position + PREALLOCATE_BYTES;
        }
        catch (final IOException ex)
        {
            // A full disk or a quota: the records still go one by one while they fit, and their appends say so if
            // they do not. Tried again once as many bytes have been appended.
            truncateToPosition();
            preallocateRetryAt = position + PREALLOCATE_BYTES;
            LOG.warn("{}: could not write {} bytes ahead at offset {}, appending record by record: {}", file,
                PREALLOCATE_BYTES, position, ex.toString());
        }
    }

    /** Cuts the file at {@link #position}: what follows is a failed write, or zeros no longer written ahead. */
    private void truncateToPosition()
    {
        try
        {
            channel.truncate(position);
        }
        catch (final IOException ignore)
        {
            // The next append overwrites the same bytes anyway.
        }
        allocated = Math.min(allocated, position);
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
            throw new LeaseStoreException(
                "lease journal sync failed earlier; it is rewritten from memory when it can be");
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
