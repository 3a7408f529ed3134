package io.dvmc.wake;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;

/**
 * The word in which a loop says that it sleeps ({@link ArmedDoorbell}): in memory the producers' process shares
 * ({@link SharedDoorbell}) or in the loop's own ({@link Doorbell}). The loop arms it, looks for work once more, then
 * sleeps; a producer, once its work is visible, {@link #take takes} it: either the loop's last look sees the work, or
 * the producer sees the armed word.
 */
final class WakeWord
{
    private static final int ARMED = 1;

    private final AtomicBuffer buffer;
    private final int offset;

    WakeWord(final AtomicBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
    }

    void arm()
    {
        buffer.putIntVolatile(offset, ARMED);
    }

    void disarm()
    {
        buffer.putIntVolatile(offset, 0);
    }

    boolean armed()
    {
        return buffer.getIntVolatile(offset) == ARMED;
    }

    /**
     * From a producer, after its work is visible: whether the loop sleeps and this producer is the one to wake it (of
     * several that find it armed, one is).
     */
    boolean take()
    {
        // The work's stores must be visible before the word is read, or both sides could miss each other.
        VarHandle.fullFence();
        return buffer.getIntVolatile(offset) == ARMED && buffer.compareAndSetInt(offset, ARMED, 0);
    }
}
