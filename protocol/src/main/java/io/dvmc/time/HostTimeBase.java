package io.dvmc.time;

import io.dvmc.config.IoFaults;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The host's time base: one origin per boot (the wall clock and CLOCK_MONOTONIC read together, once), kept in the
 * state directory, so that the agent and the dataplane read the same {@link MonotonicClock}. CLOCK_MONOTONIC is one
 * clock for every process of a boot, so the times both write into and compare in the shared stores keep an epoch-like
 * meaning and only advance: a wall-clock step neither extends a lease the fast path answers from, nor ages every
 * request queued for the agent at once.
 *
 * <p>Whichever process starts first in a boot creates the file (by a hard link, so a second creator reads the
 * first one's origin instead); the files of earlier boots are removed. Times written in an earlier boot are of
 * another time base: see {@link #bootId()}.
 */
public final class HostTimeBase
{
    static final String FILE_PREFIX = "time-base.";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final String bootId;
    private final MonotonicClock clock;

    private HostTimeBase(final String bootId, final MonotonicClock clock)
    {
        this.bootId = bootId;
        this.clock = clock;
    }

    /** The time base of this boot over the system's clocks. */
    public static HostTimeBase open(final Path stateDir) throws IOException
    {
        return open(stateDir, currentBootId(), Clock.systemUTC(), SystemNanoClock.INSTANCE);
    }

    /**
     * The time base of boot {@code bootId}: read from {@code stateDir}, or created there from the clocks now.
     *
     * @throws IOException if the directory cannot be read or written, or holds a damaged time base of this boot.
     */
    public static HostTimeBase open(final Path stateDir, final String bootId, final Clock wall,
        final NanoClock monotonic) throws IOException
    {
        if (!bootId.matches("[0-9A-Za-z-]{1,64}"))
        {
            throw new IOException("not a boot id: '" + bootId + "'");
        }
        // The dataplane may start before the agent has made the state directory.
        IoFaults.createStateDirectory(stateDir);
        final Path file = stateDir.resolve(FILE_PREFIX + bootId);
        HostTimeBase base = read(file, bootId, wall, monotonic);
        if (base == null)
        {
            base = create(file, bootId, wall, monotonic);
        }
        removeOtherBoots(stateDir, file);
        return base;
    }

    /** The kernel's id of the running boot. */
    public static String currentBootId() throws IOException
    {
        return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
    }

    public String bootId()
    {
        return bootId;
    }

    public MonotonicClock clock()
    {
        return clock;
    }

    private static HostTimeBase create(final Path file, final String bootId, final Clock wall,
        final NanoClock monotonic) throws IOException
    {
        final MonotonicClock clock = MonotonicClock.startingNow(wall, monotonic);
        final Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "." +
            System.nanoTime() + ".tmp");
        Files.writeString(tmp, bootId + ' ' + clock.originMillis() + ' ' + clock.originNanos() + '\n',
            StandardCharsets.US_ASCII);
        try
        {
            Files.createLink(file, tmp);
            return new HostTimeBase(bootId, clock);
        }
        catch (final FileAlreadyExistsException raced)
        {
            final HostTimeBase theirs = read(file, bootId, wall, monotonic);
            if (theirs == null)
            {
                throw new IOException(file + ": the time base of this boot vanished while being created");
            }
            return theirs;
        }
        finally
        {
            Files.deleteIfExists(tmp);
        }
    }

    private static HostTimeBase read(final Path file, final String bootId, final Clock wall, final NanoClock monotonic)
        throws IOException
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        }
        catch (final NoSuchFileException absent)
        {
            return null;
        }
        final String[] fields = text.split(" ");
        try
        {
            if (fields.length != 3 || !fields[0].equals(bootId))
            {
                throw new NumberFormatException("expected '" + bootId + " ORIGIN_MS ORIGIN_NS'");
            }
            return new HostTimeBase(bootId,
                new MonotonicClock(Long.parseLong(fields[1]), Long.parseLong(fields[2]), wall, monotonic));
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException(file + ": damaged time base '" + text + "': " + ex.getMessage() +
                " (remove the file and restart the agent and the dataplane together)");
        }
    }

    private static void removeOtherBoots(final Path stateDir, final Path keep) throws IOException
    {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(stateDir, FILE_PREFIX + "*"))
        {
            for (final Path path : old)
            {
                if (!path.equals(keep) && !path.getFileName().toString().endsWith(".tmp"))
                {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
