package io.dvmc.ipc;

import io.dvmc.config.IoFaults;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A process's counters in a memory-mapped file that another process (dvmcctl stat) reads live, as AeronStat
 * reads Aeron's.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  | magic 'DVMCCNT1' (8) | pid (8) | start ms (8) | meta len (4) | values len (4) | reserved to 64 |
 *  +---------------------------------------------------------------+
 *  | Agrona counters metadata (512 bytes per counter)              |
 *  +---------------------------------------------------------------+
 *  | Agrona counters values (128 bytes per counter)                |
 *  +---------------------------------------------------------------+
 * </pre>
 * The writer creates the file anew at start, so a reader never sees counters of a dead predecessor mixed with
 * its own. The pid lets a reader tell whether the writer is alive.
 */
public final class CountersFile implements AutoCloseable
{
    public static final long MAGIC = 0x44564D43434E5431L;
    public static final int HEADER_LENGTH = 64;
    public static final int PID_OFFSET = 8;
    public static final int START_OFFSET = 16;
    public static final int META_LENGTH_OFFSET = 24;
    public static final int VALUES_LENGTH_OFFSET = 28;

    /** Longest counter name; with a port name, it fits Agrona's key area of 112 bytes. */
    public static final int MAX_NAME_LENGTH = 40;
    public static final int MAX_PORT_LENGTH = CountersReader.MAX_KEY_LENGTH - 2 * Integer.BYTES - MAX_NAME_LENGTH;
    /** A process's start time is known to a clock tick; it creates its counters file after it started. */
    private static final long START_SLACK_MS = 1_000;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader reader;
    private final CountersManager manager;

    private CountersFile(final MappedByteBuffer mapped, final boolean writer)
    {
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final int metaLength = header.getInt(META_LENGTH_OFFSET);
        final int valuesLength = header.getInt(VALUES_LENGTH_OFFSET);
        final UnsafeBuffer meta = new UnsafeBuffer(mapped, HEADER_LENGTH, metaLength);
        final UnsafeBuffer values = new UnsafeBuffer(mapped, HEADER_LENGTH + metaLength, valuesLength);
        this.manager = writer ? new CountersManager(meta, values) : null;
        this.reader = writer ? manager : new CountersReader(meta, values);
    }

    /** Creates the file anew for a writer holding at most {@code maxCounters} counters. */
    public static CountersFile create(final Path file, final int maxCounters)
    {
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        final int metaLength = maxCounters * CountersReader.METADATA_LENGTH;
        final Path tmp = file.resolveSibling(file.getFileName() + ".new");
        try
        {
            IoFaults.createStateDirectory(file.toAbsolutePath().getParent());
            Files.deleteIfExists(tmp);
            final MappedByteBuffer mapped;
            try (FileChannel channel = FileChannel.open(
                tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                // Written out before it is mapped, so that its blocks exist: a store into a page of a sparse mapping
                // on a full disk raises SIGBUS, which would kill the process at its next counter increment.
                final ByteBuffer zeros = ByteBuffer.allocate(HEADER_LENGTH + metaLength + valuesLength);
                while (zeros.hasRemaining())
                {
                    channel.write(zeros, zeros.position());
                }
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LENGTH + metaLength + valuesLength);
            }
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            header.putLong(PID_OFFSET, ProcessHandle.current().pid());
            header.putLong(START_OFFSET, System.currentTimeMillis());
            header.putInt(META_LENGTH_OFFSET, metaLength);
            header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
            header.putLongVolatile(0, MAGIC);
            // A reader opening the old name meanwhile keeps its old mapping; it sees the new file on reopen.
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new CountersFile(mapped, true);
        }
        catch (final IOException ex)
        {
            try
            {
                Files.deleteIfExists(tmp);
            }
            catch (final IOException ignored)
            {
                // The fault reported is the first one; a stale ".new" is deleted at the next start.
            }
            throw new UncheckedIOException("cannot create counters file " + file + ": " + IoFaults.reason(ex), ex);
        }
    }

    /** Opens a writer's file to read it. */
    public static CountersFile openReader(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (channel.size() < HEADER_LENGTH)
            {
                throw new IOException(file + " is not a counters file (too short)");
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            if (new UnsafeBuffer(mapped, 0, HEADER_LENGTH).getLongVolatile(0) != MAGIC)
            {
                IoUtil.unmap(mapped);
                throw new IOException(file + " is not a dvmc counters file");
            }
            return new CountersFile(mapped, false);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IOException(file + ": no such file (is the process running?)", ex);
        }
    }

    /**
     * A counter named {@code name}: snake_case and stable, the key of {@code dvmc ctl stat --json} and of
     * docs/counters.md; {@code label} is what the table of {@code dvmc ctl stat} shows.
     */
    public AtomicCounter newCounter(final String name, final String label, final int typeId)
    {
        return newCounter(name, "", label, typeId);
    }

    /** A counter of one port: {@code name} is the same for every port, {@code port} tells them apart. */
    public AtomicCounter newCounter(final String name, final String port, final String label, final int typeId)
    {
        if (manager == null)
        {
            throw new IllegalStateException("counters file opened for reading");
        }
        if (!NAME.matcher(name).matches() || name.length() > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("counter name '" + name + "' is not snake_case of at most " +
                MAX_NAME_LENGTH + " characters");
        }
        final byte[] portBytes = port.getBytes(StandardCharsets.UTF_8);
        if (portBytes.length > MAX_PORT_LENGTH)
        {
            throw new IllegalArgumentException("port name '" + port + "' is longer than " + MAX_PORT_LENGTH + " bytes");
        }
        return manager.newCounter(label, typeId, key -> {
            final int nameLength = key.putStringAscii(0, name);
            key.putInt(nameLength, portBytes.length);
            key.putBytes(nameLength + Integer.BYTES, portBytes);
        });
    }

    /** One counter as a reader sees it; {@code port} is empty for a counter of the whole process. */
    public record Counter(int id, String name, String port, String label, int typeId, long value)
    {
    }

    /** Every counter allocated now, in the order they were allocated. */
    public List<Counter> counters()
    {
        final List<Counter> out = new ArrayList<>();
        reader.forEach((id, typeId, key, label) -> {
            final int nameLength = Integer.BYTES + key.getInt(0);
            final byte[] port = new byte[key.getInt(nameLength)];
            key.getBytes(nameLength + Integer.BYTES, port);
            out.add(new Counter(id, key.getStringAscii(0), new String(port, StandardCharsets.UTF_8), label, typeId,
                reader.getCounterValue(id)));
        });
        return out;
    }

    public CountersReader reader()
    {
        return reader;
    }

    public long pid()
    {
        return header.getLong(PID_OFFSET);
    }

    public long startMillis()
    {
        return header.getLong(START_OFFSET);
    }

    /**
     * Whether the process that wrote the file still runs: its pid is alive and that process started before the file
     * was created (a pid reused by a later process is not the writer).
     */
    public boolean writerAlive()
    {
        return ProcessHandle.of(pid())
            .filter(ProcessHandle::isAlive)
            .map(p -> p.info().startInstant().map(s -> s.toEpochMilli() <= startMillis() + START_SLACK_MS).orElse(true))
            .orElse(false);
    }

    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
