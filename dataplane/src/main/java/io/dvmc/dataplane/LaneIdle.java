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
    private int version = -1;
    private long failedBefore;
    private boolean sleeps;
    /** What the log said last: the loop sleeps, or backs off; and on what, or why. */
    private Boolean said;
    private String saidWhat;
    private final AtomicCounter backingOff;
    private boolean countedBackingOff;

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

    /** Takes the ports' descriptors again if the ports changed since the last look. */
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
            sleeps = false;
            say(false, "a port's descriptor failed");
        }
        else if (sleeps)
        {
            for (int i = 0; i < interrupts.size(); i++)
            {
                final RxInterrupt interrupt = interrupts.get(i);
                if (interrupt.failed())
                {
                    sleeps = false;
                    say(false, interrupt.failure());
                }
            }
        }
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
        sleeps = without == null;
        say(sleeps, without == null ? "" : "port " + without + " gives no descriptor to sleep on");
    }

    /** Logs what the loop does while idle when it changed: sleeps or backs off, or what it sleeps on. */
    private void say(final boolean sleeping, final String why)
    {
        if (countedBackingOff == sleeping)
        {
            countedBackingOff = !sleeping;
            backingOff.getAndAdd(sleeping ? -1 : 1);
        }
        final String what = sleeping ? descriptors.size() + "/" + interrupts.size() : why;
        if (said != null && said == sleeping && what.equals(saidWhat))
        {
            return;
        }
        said = sleeping;
        saidWhat = what;
        if (sleeping)
        {
            LOG.info("{} sleeps while idle (idle wait) on its {} port descriptors, {} rx interrupts and its doorbells",
                loop, descriptors.size(), interrupts.size());
        }
        else
        {
            LOG.info("{} backs off while idle instead of sleeping (idle wait): {}", loop, why);
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
