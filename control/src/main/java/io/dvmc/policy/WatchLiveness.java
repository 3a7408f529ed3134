package io.dvmc.policy;

import io.etcd.jetcd.Watch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells a quiet etcd watch from a dead one. The client does not always report a stream that a restarted member
 * left hanging (it neither fails nor ends, and no event ever comes), so each watch is asked for a progress
 * notification every interval; one that has not answered within the silence limit is taken for dead, and its
 * owner reads everything again and watches anew.
 *
 * <p>{@link #check} and {@link #reset} belong to the owner's thread; {@link #heard} may come from the client's.
 */
public final class WatchLiveness
{
    /** How often each watch is asked to show it is alive. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** How long a progress request may go unanswered before the watch is taken for dead. */
    public static final Duration DEFAULT_SILENCE = Duration.ofSeconds(15);

    private final long intervalNs;
    private final long silenceNs;
    /** Bit i set: watcher i has not answered since the request sent at {@link #askedAt}. */
    private final AtomicInteger unanswered = new AtomicInteger();
    private long askedAt;
    private boolean asked;
    private long silences;

    public WatchLiveness(final Duration interval, final Duration silence)
    {
        this.intervalNs = interval.toNanos();
        this.silenceNs = silence.toNanos();
    }

    /** New watches: nothing asked of them yet. */
    public void reset()
    {
        asked = false;
        unanswered.set(0);
    }

    /** Watcher {@code index} sent something (events, a progress notification, its creation). */
    public void heard(final int index)
    {
        unanswered.getAndUpdate(bits -> bits & ~(1 << index));
    }

    /**
     * Sends progress requests when the last ones were answered and the interval has passed.
     *
     * @return true when a request went unanswered for longer than the silence limit: the watches are dead.
     */
    public boolean check(final long nowNs, final List<Watch.Watcher> watchers)
    {
        if (watchers.isEmpty())
        {
            return false;
        }
        if (asked)
        {
            if (unanswered.get() != 0)
            {
                if (nowNs - askedAt > silenceNs)
                {
                    silences++;
                    asked = false;
                    return true;
                }
                return false;
            }
            if (nowNs - askedAt < intervalNs)
            {
                return false;
            }
        }
        unanswered.set((1 << watchers.size()) - 1);
        asked = true;
        askedAt = nowNs;
        for (final Watch.Watcher watcher : watchers)
        {
            watcher.requestProgress();
        }
        return false;
    }

    /** How many times a watch was taken for dead. */
    public long silences()
    {
        return silences;
    }

    /** The silence limit, for messages. */
    public long silenceMs()
    {
        return silenceNs / 1_000_000;
    }
}
