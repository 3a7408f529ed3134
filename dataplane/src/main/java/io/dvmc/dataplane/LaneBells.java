package io.dvmc.dataplane;

import io.dvmc.wake.Doorbell;
import org.agrona.CloseHelper;

/**
 * The doorbells of a dataplane's loops that sleep ({@code idle: wait}), one per lane. Lane 0's (the poll loop's) is
 * rung for a port list offered; another lane's for the agent's messages lane 0 passes on ({@link LaneFeeds}) and for
 * lane 0's requests to park and to go on ({@link PortTable}); each for lease stores its helper opened. A producer
 * rings only a loop that sleeps ({@link Doorbell#ringIfArmed}). {@link #NONE} where the loops do not sleep: ringing
 * it does nothing.
 */
final class LaneBells implements AutoCloseable
{
    static final LaneBells NONE = new LaneBells(new Doorbell[0]);

    private final Doorbell[] bells;

    private LaneBells(final Doorbell[] bells)
    {
        this.bells = bells;
    }

    /** A doorbell for each of {@code lanes} lanes. */
    static LaneBells forLanes(final int lanes)
    {
        final Doorbell[] bells = new Doorbell[lanes];
        for (int lane = 0; lane < lanes; lane++)
        {
            bells[lane] = new Doorbell();
        }
        return new LaneBells(bells);
    }

    /** Lane {@code lane}'s doorbell, which its loop sleeps on. */
    Doorbell of(final int lane)
    {
        return bells[lane];
    }

    /** Wakes lane {@code lane}'s loop if it sleeps. */
    void ring(final int lane)
    {
        if (lane < bells.length)
        {
            bells[lane].ringIfArmed();
        }
    }

    /** Wakes every lane's loop but lane 0's, those that sleep. */
    void ringOtherLanes()
    {
        for (int lane = 1; lane < bells.length; lane++)
        {
            bells[lane].ringIfArmed();
        }
    }

    /** Wakes every lane's loop, asleep or not: so that a loop told to stop sees it. */
    void ringAll()
    {
        for (final Doorbell bell : bells)
        {
            bell.ring();
        }
    }

    public void close()
    {
        CloseHelper.quietCloseAll(bells);
    }
}
