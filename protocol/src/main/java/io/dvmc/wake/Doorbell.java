package io.dvmc.wake;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;

/**
 * Wakes a sleeping loop from another thread of the same process: an {@code eventfd(2)} the loop's {@link WaitSet}
 * waits on. Any thread may {@link #ring}; the loop's thread drains it after each wait, before it looks for work, so a
 * ring that comes while the loop works is not lost but wakes the loop's next wait at once.
 *
 * <p>{@link #ring} is for producers that are rare next to the loop's own traffic (a journal sync done, a watch event, a
 * key reload): it costs a system call, whether the loop sleeps or not. A producer as busy as the loop (frames handed
 * from one thread to another) calls {@link #ringIfArmed} instead, and the loop arms the doorbell before it sleeps
 * ({@link ArmedDoorbell}): a system call only when the loop sleeps.
 */
public final class Doorbell implements ArmedDoorbell, AutoCloseable
{
    /** Freed with this object. */
    private final Arena arena = Arena.ofAuto();
    private final int fd;
    private final UnsafeBuffer one;
    private final UnsafeBuffer drained;
    private volatile boolean closed;
    /** Armed while the loop sleeps, or is about to. */
    private final WakeWord armed;

    public Doorbell()
    {
        fd = LinuxCalls.eventfd(LinuxCalls.EFD_NONBLOCK | LinuxCalls.EFD_CLOEXEC);
        if (fd < 0)
        {
            throw new IllegalStateException("eventfd failed: errno " + -fd);
        }
        one = LinuxCalls.allocate(arena, Long.BYTES);
        one.putLong(0, 1);
        drained = LinuxCalls.allocate(arena, Long.BYTES);
        armed = new WakeWord(LinuxCalls.allocate(arena, Integer.BYTES), 0);
    }

    /** The descriptor to wait on. */
    public int fd()
    {
        return fd;
    }

    /** Wakes the loop, from any thread. */
    public void ring()
    {
        if (!closed)
        {
            // Fails only when the count would overflow, which means the loop is far from asleep.
            LinuxCalls.write(fd, one.addressOffset(), Long.BYTES);
        }
    }

    /**
     * Wakes the loop if it armed the doorbell, from any thread, once the work for it is visible. One of several
     * producers that find it armed rings; the others need not.
     */
    public void ringIfArmed()
    {
        if (armed.take())
        {
            ring();
        }
    }

    public void arm()
    {
        armed.arm();
    }

    public void disarm()
    {
        armed.disarm();
    }

    /** Takes the rings so far, from the loop's thread. */
    public void drain()
    {
        LinuxCalls.read(fd, drained.addressOffset(), Long.BYTES);
    }

    public void close()
    {
        if (!closed)
        {
            closed = true;
            LinuxCalls.close(fd);
        }
    }
}
