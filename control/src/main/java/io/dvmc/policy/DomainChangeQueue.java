package io.dvmc.policy;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.function.IntConsumer;

/**
 * Hands changed domain ids from a policy store's thread to one consumer thread (the agent's duty cycle), which
 * drains them when it suits it. Bounded: when full, the consumer is told that everything may have changed rather
 * than missing one domain.
 */
public final class DomainChangeQueue implements PolicyListener
{
    private final ManyToOneConcurrentArrayQueue<Integer> changed;
    private volatile boolean overflowed;

    public DomainChangeQueue(final int capacity)
    {
        changed = new ManyToOneConcurrentArrayQueue<>(capacity);
    }

    public void domainsChanged(final int[] domainIds)
    {
        for (final int id : domainIds)
        {
            if (!changed.offer(id))
            {
                overflowed = true;
            }
        }
    }

    /**
     * On the consumer's thread.
     *
     * @param onDomain told of each changed domain id.
     * @param onAll    told instead when changes were lost to a full queue: drop everything cached.
     * @return how many changes were taken.
     */
    public int drain(final IntConsumer onDomain, final Runnable onAll)
    {
        if (overflowed)
        {
            overflowed = false;
            final int dropped = changed.drain(id -> {
            });
            onAll.run();
            return dropped + 1;
        }
        int count = 0;
        Integer id;
        while ((id = changed.poll()) != null)
        {
            onDomain.accept(id);
            count++;
        }
        return count;
    }
}
