package io.dvmc.wake;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Wakes a loop of another process that sleeps when a ring between the two is empty: a word in the ring's shared
 * memory says that the loop sleeps, and a named FIFO beside the ring is what it sleeps on.
 *
 * <p>The loop ({@link #waiter}) {@link #arm arms} the word, looks at the ring once more, and only then waits on the
 * FIFO; when it wakes it {@link #disarm disarms} the word and drains the FIFO. A producer ({@link #ringer}) writes
 * its records, then {@link #ring rings}: after a full fence it reads the word, and only when it is armed writes a
 * byte to the FIFO. Either the loop's last look sees the record, or the producer sees the armed word: a record never
 * waits for the loop's timeout. A busy loop never arms the word, so a busy producer makes no system call.
 *
 * <p>Either process may start first, stop, or be killed with -9. The waiter makes the FIFO if it is missing and keeps
 * an existing one, so a producer's open descriptor stays good across the waiter's restarts. It opens the FIFO for
 * reading and writing, so the FIFO never reports a hang-up when no producer has it open. A producer opens it on its
 * first ring, and again when the waiter had gone ({@code ENXIO}, {@code EPIPE}), at most once per
 * {@link #REOPEN_INTERVAL_NS}.
 */
public final class SharedDoorbell implements ArmedDoorbell, AutoCloseable
{
    /** How often a producer tries again to open a FIFO that no loop has open. */
    public static final long REOPEN_INTERVAL_NS = 100_000_000L;

    private final Path fifo;
    private final WakeWord word;
    private final boolean waiter;
    /** Freed with this object. */
    private final Arena arena = Arena.ofAuto();
    private final UnsafeBuffer bytes;
    private int fd = -1;
    private long nextOpenNs;
    private long rings;
    private long ringFailures;

    private SharedDoorbell(final Path fifo, final AtomicBuffer word, final int wordOffset, final boolean waiter)
    {
        this.fifo = fifo;
        this.word = new WakeWord(word, wordOffset);
        this.waiter = waiter;
        this.bytes = LinuxCalls.allocate(arena, 64);
    }

    /** The loop's side: makes the FIFO if it is missing and opens it. */
    public static SharedDoorbell waiter(final Path fifo, final AtomicBuffer word, final int wordOffset)
        throws IOException
    {
        final SharedDoorbell bell = new SharedDoorbell(fifo, word, wordOffset, true);
        final String path = fifo.toString();
        final int made = LinuxCalls.mkfifo(path, 0600);
        if (made != 0)
        {
            final int errno = -made;
            if (errno != LinuxCalls.EEXIST)
            {
                throw new IOException("cannot make the FIFO " + fifo + ": errno " + errno);
            }
            if (!Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther())
            {
                throw new IOException(fifo + " exists and is not a FIFO: remove it while both processes are stopped");
            }
        }
        bell.fd = LinuxCalls.open(path, LinuxCalls.O_RDWR | LinuxCalls.O_NONBLOCK | LinuxCalls.O_CLOEXEC);
        if (bell.fd < 0)
        {
            throw new IOException("cannot open the FIFO " + fifo + ": errno " + -bell.fd);
        }
        bell.disarm();
        return bell;
    }

    /** A producer's side: opens the FIFO when it first needs to ring. */
    public static SharedDoorbell ringer(final Path fifo, final AtomicBuffer word, final int wordOffset)
    {
        return new SharedDoorbell(fifo, word, wordOffset, false);
    }

    /** The waiter's descriptor. */
    public int fd()
    {
        return fd;
    }

    /** From the waiter, before its last look for work: producers ring from now on. */
    public void arm()
    {
        word.arm();
    }

    /** Whether the waiter said it sleeps (and no producer has rung since). */
    public boolean armed()
    {
        return word.armed();
    }

    /** From the waiter, once awake: producers stop ringing. */
    public void disarm()
    {
        word.disarm();
    }

    /** From the waiter, once awake: takes the rings so far. */
    public void drain()
    {
        while (LinuxCalls.read(fd, bytes.addressOffset(), bytes.capacity()) == bytes.capacity())
        {
            // A full read may have left more behind.
        }
    }

    /**
     * From a producer, after its records are in the ring: wakes the waiter if it sleeps. One thread per ringer.
     *
     * @return true if a byte was written.
     */
    public boolean ring()
    {
        if (!word.take())
        {
            return false;
        }
        if (fd < 0 && !open())
        {
            return false;
        }
        if (LinuxCalls.write(fd, bytes.addressOffset(), 1) == 1)
        {
            rings++;
            return true;
        }
        final int errno = LinuxCalls.errno();
        if (errno != LinuxCalls.EAGAIN)
        {
            // EPIPE: the waiter is gone; a new one opens the same FIFO.
            ringFailures++;
            LinuxCalls.close(fd);
            fd = -1;
        }
        return false;
    }

    /** Bytes a producer wrote. */
    public long rings()
    {
        return rings;
    }

    /** Rings a producer could not deliver: no waiter had the FIFO open. */
    public long ringFailures()
    {
        return ringFailures;
    }

    private boolean open()
    {
        final long now = System.nanoTime();
        if (now - nextOpenNs < 0)
        {
            ringFailures++;
            return false;
        }
        fd = LinuxCalls.open(fifo.toString(), LinuxCalls.O_WRONLY | LinuxCalls.O_NONBLOCK | LinuxCalls.O_CLOEXEC);
        if (fd < 0)
        {
            fd = -1;
            // ENXIO: no waiter has it open; ENOENT: no waiter made it yet.
            ringFailures++;
            nextOpenNs = now + REOPEN_INTERVAL_NS;
            return false;
        }
        return true;
    }

    public void close()
    {
        if (fd >= 0)
        {
            LinuxCalls.close(fd);
            fd = -1;
        }
        if (waiter)
        {
            disarm();
        }
    }
}
