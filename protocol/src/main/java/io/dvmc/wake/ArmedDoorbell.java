package io.dvmc.wake;

/**
 * A doorbell that its producers ring only while the loop it wakes sleeps. The loop {@link #arm arms} it, looks for
 * work once more, and only then waits on {@link #fd}; once awake it {@link #disarm disarms} and {@link #drain drains}
 * it. A producer, after its work is visible, rings it only when it finds it armed: either the loop's last look sees
 * the work, or the producer sees the armed doorbell, and a busy loop costs its producers no system call.
 */
public interface ArmedDoorbell
{
    /** The descriptor the loop waits on. */
    int fd();

    /** From the loop, before its last look for work: producers ring from now on. */
    void arm();

    /** From the loop, once awake: producers stop ringing. */
    void disarm();

    /** From the loop, once awake: takes the rings so far. */
    void drain();

    /**
     * Whether the doorbell can no longer be trusted to ring (a call on it failed): the loop leaves it out, as a
     * descriptor found closed. None of this process's own do fail.
     */
    default boolean failed()
    {
        return false;
    }
}
