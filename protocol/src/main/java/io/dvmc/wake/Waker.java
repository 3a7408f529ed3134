package io.dvmc.wake;

import org.agrona.concurrent.Agent;

import java.util.function.BooleanSupplier;

/**
 * Last in a producer's duty cycle: rings the consumer's armed doorbell while what it consumes holds work. The ring
 * costs a fence and a look at the doorbell's word while the consumer is awake, a system call only when it sleeps; one
 * look per duty cycle covers all the cycle wrote, whichever part of the producer wrote it.
 */
public final class Waker implements Agent
{
    private final String roleName;
    private final BooleanSupplier hasWork;
    private final Runnable ring;
    private final AutoCloseable doorbell;

    /**
     * @param hasWork  whether the consumer has work waiting.
     * @param ring     rings the consumer's doorbell if it is armed.
     * @param doorbell closed with this agent; null for none.
     */
    public Waker(final String roleName, final BooleanSupplier hasWork, final Runnable ring,
        final AutoCloseable doorbell)
    {
        this.roleName = roleName;
        this.hasWork = hasWork;
        this.ring = ring;
        this.doorbell = doorbell;
    }

    public int doWork()
    {
        if (hasWork.getAsBoolean())
        {
            ring.run();
        }
        return 0;
    }

    public String roleName()
    {
        return roleName;
    }

    public void onClose()
    {
        if (doorbell != null)
        {
            try
            {
                doorbell.close();
            }
            catch (final Exception ignore)
            {
                // A doorbell's descriptor: nothing to do if its close fails.
            }
        }
    }
}
