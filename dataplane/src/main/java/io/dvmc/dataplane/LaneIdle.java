package io.dvmc.dataplane;

import io.dvmc.config.IdleStrategies;
import io.dvmc.port.RxInterrupt;
import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * How a dataplane loop idles with {@code idle: wait}: it sleeps in {@code poll(2)} ({@link WaitingIdleStrategy}) on
 * the descriptors of the ports it polls ({@link PortTable#wakeDescriptors}) or their rx interrupts for its lane's queue
 * ({@link PortTable#rxInterrupt}), and on its doorbells, so an idle dataplane costs nothing and a frame or an agent's
 * message wakes it at once. While some port it polls has neither, or one of them failed, a frame there would wait for
 * the sleep's timeout: the loop backs off instead, as with {@code idle: backoff}, until the ports change.
 *
 * <p>The loop calls {@link #follow} once per duty cycle, after it may have changed the ports and before it idles. All
 * on the loop's thread.
 */
final class LaneIdle implements IdleStrategy
{
    private static final Logger LOG = LoggerFactory.getLogger(LaneIdle.class);

    private final String loop;
    private final int lane;
    private final WaitingIdleStrategy waiting;
    private final IdleStrategy backoff = IdleStrategies.of("backoff");
    private final IntArrayList descriptors = new IntArrayList();
    private final List<RxInterrupt> interrupts = new ArrayList<>();
    private final AtomicCounter backingOff;
    private int version = -1;
    private long failedBefore;
    private boolean sleeps;
    /** Whether the loop is in {@link #backingOff}: it backs off, and has said so. */
    private boolean countedBackingOff;
    /** What the log said last. */
    private String said;

    /**
     * @param lane    the loop's lane: the rx queue of each port whose interrupt it sleeps on.
     * @param waiting the loop's strategy, with its doorbells already added.
     * @param sleeps  where the loop's sleeps are counted, the dataplane's {@code loop sleeps}.
     * @param backingOff the gauge of the loops that back off, the dataplane's {@code loops backing off}.
     */
    LaneIdle(final String loop, final int lane, final WaitingIdleStrategy waiting, final AtomicCounter sleeps,
        final AtomicCounter backingOff)
    {
        this.backingOff = backingOff;
        this.loop = loop;
        this.lane = lane;
        this.waiting = waiting;
        waiting.countSleepsIn(sleeps);
    }

    /** Whether the ports changed since the loop last took their descriptors: it must look before it sleeps. */
    boolean stale(final PortTable ports)
    {
        return ports.version() != version;
    }

    /**
     * Takes the ports' descriptors again if the ports changed since the last look; backs off once one failed (a
     * descriptor found closed or in error, or an rx interrupt's call: {@link WaitingIdleStrategy} leaves it out).
     */
    void follow(final PortTable ports)
    {
        final int now = ports.version();
        if (now != version)
        {
            version = now;
            takeDescriptors(ports);
        }
        else if (sleeps && waiting.failedDescriptors() != failedBefore)
        {
            become(false, failure());
        }
    }

    private String failure()
    {
        for (int i = 0; i < interrupts.size(); i++)
        {
            if (interrupts.get(i).failed())
            {
                return interrupts.get(i).failure();
            }
        }
        return "a port's descriptor failed";
    }

    private void takeDescriptors(final PortTable ports)
    {
        for (int i = 0; i < descriptors.size(); i++)
        {
            waiting.forget(descriptors.getInt(i));
        }
        descriptors.clear();
        for (int i = 0; i < interrupts.size(); i++)
        {
            waiting.forget(interrupts.get(i));
        }
        interrupts.clear();
        String without = null;
        for (int p = 0; p < ports.limit(); p++)
        {
            if (ports.port(p) == null)
            {
                continue;
            }
            final int[] fds = ports.wakeDescriptors(p);
            final RxInterrupt interrupt = fds.length == 0 ? ports.rxInterrupt(p, lane) : null;
            if (interrupt != null && !interrupt.failed())
            {
                waiting.waitOn(interrupt, interrupt::hasFrames);
                interrupts.add(interrupt);
            }
            else if (fds.length == 0 && without == null)
            {
                without = ports.name(p);
            }
            for (final int fd : fds)
            {
                waiting.waitOn(fd);
                descriptors.addInt(fd);
            }
        }
        failedBefore = waiting.failedDescriptors();
        become(without == null, "port " + without + " gives no descriptor to sleep on");
    }

    /**
     * The loop now sleeps, or backs off for {@code why}: counted in {@link #backingOff}, and logged when it differs
     * from what the log said last (at a change of the ports, or a failure).
     */
    private void become(final boolean sleeping, final String why)
    {
        sleeps = sleeping;
        if (countedBackingOff == sleeping)
        {
            countedBackingOff = !sleeping;
            backingOff.getAndAdd(sleeping ? -1 : 1);
        }
        final String now = sleeping
            ? "sleeps while idle (idle wait) on its " + descriptors.size() + " port descriptors, " + interrupts.size() +
                " rx interrupts and its doorbells"
            : "backs off while idle instead of sleeping (idle wait): " + why;
        if (!now.equals(said))
        {
            said = now;
            LOG.info("{} {}", loop, now);
        }
    }

    public void idle(final int workCount)
    {
        if (sleeps)
        {
            waiting.idle(workCount);
        }
        else
        {
            backoff.idle(workCount);
        }
    }

    public void idle()
    {
        if (sleeps)
        {
            waiting.idle();
        }
        else
        {
            backoff.idle();
        }
    }

    public void reset()
    {
        waiting.reset();
        backoff.reset();
    }

    public String alias()
    {
        return WaitingIdleStrategy.ALIAS;
    }
}
