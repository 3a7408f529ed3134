package io.dvmc.wake;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;

/**
 * The descriptors one loop sleeps on, waited for in one {@code poll(2)}. Owned by the loop's thread: descriptors are
 * added there, between waits.
 * <pre>
 *  struct pollfd (8 bytes)
 *   0  fd       int
 *   4  events   short   POLLIN
 *   6  revents  short   (out)
 * </pre>
 */
public final class WaitSet
{
    static final int POLLFD_LENGTH = 8;
    static final int FD_OFFSET = 0;
    static final int EVENTS_OFFSET = 4;
    static final int REVENTS_OFFSET = 6;

    /** Freed with this set; a set grows only when its loop opens another socket. */
    private final Arena arena = Arena.ofAuto();
    private UnsafeBuffer fds;
    private int count;

    public WaitSet()
    {
        fds = allocate(8);
    }

    /** Wakes the loop when {@code fd} is readable. Adding a descriptor twice adds it once. */
    public void add(final int fd)
    {
        if (fd < 0)
        {
            throw new IllegalArgumentException("no descriptor: " + fd);
        }
        if (indexOf(fd) >= 0)
        {
            return;
        }
        if (count * POLLFD_LENGTH == fds.capacity())
        {
            final UnsafeBuffer larger = allocate(count * 2);
            larger.putBytes(0, fds, 0, count * POLLFD_LENGTH);
            fds = larger;
        }
        final int at = count * POLLFD_LENGTH;
        fds.putInt(at + FD_OFFSET, fd);
        fds.putShort(at + EVENTS_OFFSET, LinuxCalls.POLLIN);
        fds.putShort(at + REVENTS_OFFSET, (short)0);
        count++;
    }

    /** Stops waking the loop for {@code fd}; a descriptor not in the set is ignored. */
    public void remove(final int fd)
    {
        final int i = indexOf(fd);
        if (i < 0)
        {
            return;
        }
        final int last = (count - 1) * POLLFD_LENGTH;
        if (i * POLLFD_LENGTH != last)
        {
            fds.putBytes(i * POLLFD_LENGTH, fds, last, POLLFD_LENGTH);
        }
        count--;
    }

    /**
     * Sleeps until a descriptor is readable or {@code timeoutMs} has passed. A signal ends the wait early, as a
     * timeout does: the loop looks for work either way.
     *
     * @return how many descriptors are readable, 0 for none.
     */
    public int await(final int timeoutMs)
    {
        final int n = LinuxCalls.poll(fds.addressOffset(), count, timeoutMs);
        if (n < 0)
        {
            final int errno = LinuxCalls.errno();
            if (errno != LinuxCalls.EINTR)
            {
                throw new IllegalStateException("poll failed: errno " + errno);
            }
            return 0;
        }
        return n;
    }

    /** Whether the last {@link #await} found {@code fd} readable. */
    public boolean readable(final int fd)
    {
        final int i = indexOf(fd);
        return i >= 0 && (fds.getShort(i * POLLFD_LENGTH + REVENTS_OFFSET) & LinuxCalls.POLLIN) != 0;
    }

    /**
     * Whether the last {@link #await} found {@code fd} in error, hung up or closed: {@code poll(2)} reports these
     * whatever was asked, so such a descriptor would end every wait at once.
     */
    public boolean failed(final int fd)
    {
        final int i = indexOf(fd);
        return i >= 0 && (fds.getShort(i * POLLFD_LENGTH + REVENTS_OFFSET) & LinuxCalls.POLL_FAILED) != 0;
    }

    private int indexOf(final int fd)
    {
        for (int i = 0; i < count; i++)
        {
            if (fds.getInt(i * POLLFD_LENGTH + FD_OFFSET) == fd)
            {
                return i;
            }
        }
        return -1;
    }

    private UnsafeBuffer allocate(final int entries)
    {
        return LinuxCalls.allocate(arena, (long)entries * POLLFD_LENGTH);
    }
}
