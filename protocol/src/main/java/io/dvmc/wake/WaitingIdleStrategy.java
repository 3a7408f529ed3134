package io.dvmc.wake;

import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * An idle strategy that sleeps in the kernel: after work it spins and yields a little, for the reply that often
 * follows at once, then sleeps in {@code poll(2)} on the loop's sockets and doorbells until one of them is readable
 * or {@code timeoutMs} passes, whichever comes first. The timeout bounds how late the loop's timers run; nothing
 * else waits for it. An idle loop wakes {@code 1000 / timeoutMs} times a second.
 *
 * <p>The loop tells the strategy what it waits on: its sockets ({@link #waitOn(DatagramChannel)}), descriptors it
 * does not own, such as a DPDK port's packet sockets ({@link #waitOn(int)}, {@link #forget}), the doorbells other
 * threads of its process ring ({@link #wakeBy(Doorbell)}), and the queues and rings that others fill, each with its
 * armed doorbell and a look at whether it holds work ({@link #wakeBy(ArmedDoorbell, BooleanSupplier)}), or that others
 * own, such as a port's rx interrupt ({@link #waitOn(ArmedDoorbell, BooleanSupplier)}).
 *
 * <p>A descriptor of {@link #waitOn(int)} or {@link #waitOn(ArmedDoorbell, BooleanSupplier)} that {@code poll(2)}
 * finds in error, hung up or closed would end every sleep at once, and a doorbell of the latter that {@link
 * ArmedDoorbell#failed failed} may never ring: each is left out of later sleeps and counted
 * ({@link #failedDescriptors}).
 */
public final class WaitingIdleStrategy implements IdleStrategy
{
    public static final String ALIAS = "wait";
    public static final int DEFAULT_SPINS = 10;
    public static final int DEFAULT_YIELDS = 0;
    public static final int DEFAULT_TIMEOUT_MS = 10;

    private final int spins;
    private final int yields;
    private final int timeoutMs;
    private final WaitSet waitSet = new WaitSet();
    private final List<Doorbell> doorbells = new ArrayList<>();
    private final List<ArmedDoorbell> armedDoorbells = new ArrayList<>();
    private final List<BooleanSupplier> pending = new ArrayList<>();
    private final List<ArmedDoorbell> foreignDoorbells = new ArrayList<>();
    private final IntArrayList descriptors = new IntArrayList();
    private int idleCount;
    private volatile long sleeps;
    private AtomicCounter sleepsCounted;
    private volatile long failedDescriptors;

    public WaitingIdleStrategy()
    {
        this(DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_TIMEOUT_MS);
    }

    /**
     * @param spins     idle calls that spin before the first yield.
     * @param yields    idle calls that yield before the first sleep.
     * @param timeoutMs the longest sleep, 1 ms or more.
     */
    public WaitingIdleStrategy(final int spins, final int yields, final int timeoutMs)
    {
        if (spins < 0 || yields < 0 || timeoutMs < 1)
        {
            throw new IllegalArgumentException("spins and yields 0 or more, timeout 1 ms or more");
        }
        this.spins = spins;
        this.yields = yields;
        this.timeoutMs = timeoutMs;
    }

    /** Wakes the loop when {@code channel} has a datagram. From the loop's thread. */
    public void waitOn(final DatagramChannel channel)
    {
        waitSet.add(Descriptors.of(channel));
    }

    /**
     * Wakes the loop when {@code fd}, a descriptor someone else owns (a port's packet socket), is readable. From the
     * loop's thread; {@link #forget} it before its owner closes it.
     */
    public void waitOn(final int fd)
    {
        waitSet.add(fd);
        if (!descriptors.containsInt(fd))
        {
            descriptors.addInt(fd);
        }
    }

    /** Stops waking the loop for a descriptor of {@link #waitOn(int)}. From the loop's thread. */
    public void forget(final int fd)
    {
        waitSet.remove(fd);
        descriptors.removeInt(fd);
    }

    /**
     * As {@link #wakeBy(ArmedDoorbell, BooleanSupplier)}, for a doorbell someone else owns and may close, such as a
     * port's rx interrupt. From the loop's thread; {@link #forget(ArmedDoorbell)} it before its owner closes it.
     */
    public void waitOn(final ArmedDoorbell doorbell, final BooleanSupplier hasWork)
    {
        wakeBy(doorbell, hasWork);
        foreignDoorbells.add(doorbell);
    }

    /** Stops waking the loop for a doorbell of {@link #waitOn(ArmedDoorbell, BooleanSupplier)}. */
    public void forget(final ArmedDoorbell doorbell)
    {
        final int i = armedDoorbells.indexOf(doorbell);
        if (i >= 0)
        {
            armedDoorbells.remove(i);
            pending.remove(i);
            waitSet.remove(doorbell.fd());
        }
        foreignDoorbells.remove(doorbell);
    }

    /**
     * Descriptors of {@link #waitOn(int)} and doorbells of {@link #waitOn(ArmedDoorbell, BooleanSupplier)} left out
     * since they were found in error, hung up or closed, or failed.
     */
    public long failedDescriptors()
    {
        return failedDescriptors;
    }

    /** Wakes the loop when another thread of this process rings {@code doorbell}. */
    public void wakeBy(final Doorbell doorbell)
    {
        waitSet.add(doorbell.fd());
        doorbells.add(doorbell);
    }

    /**
     * Wakes the loop when a producer rings {@code doorbell} (another process's, or a busy thread's of this one);
     * {@code hasWork} says whether what it guards holds work, and is asked after the doorbell is armed, before each
     * sleep.
     */
    public void wakeBy(final ArmedDoorbell doorbell, final BooleanSupplier hasWork)
    {
        waitSet.add(doorbell.fd());
        armedDoorbells.add(doorbell);
        pending.add(hasWork);
    }

    /**
     * Counts each sleep in {@code counter} too, as it begins: a loop asleep since its start shows one. Before the loop
     * runs.
     */
    public void countSleepsIn(final AtomicCounter counter)
    {
        this.sleepsCounted = counter;
    }

    /** Sleeps taken so far: with the loop's duty cycles, how often the loop found nothing to do. */
    public long sleeps()
    {
        return sleeps;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleCount = 0;
            return;
        }
        idle();
    }

    public void idle()
    {
        if (idleCount < spins)
        {
            idleCount++;
            Thread.onSpinWait();
        }
        else if (idleCount < spins + yields)
        {
            idleCount++;
            Thread.yield();
        }
        else
        {
            sleep();
        }
    }

    public void reset()
    {
        idleCount = 0;
    }

    public String alias()
    {
        return ALIAS;
    }

    private void sleep()
    {
        final int shared = armedDoorbells.size();
        for (int i = 0; i < shared; i++)
        {
            armedDoorbells.get(i).arm();
        }
        boolean work = false;
        for (int i = 0; i < shared && !work; i++)
        {
            work = pending.get(i).getAsBoolean();
        }
        int ready = 0;
        if (!work)
        {
            sleeps++;
            if (sleepsCounted != null)
            {
                sleepsCounted.increment();
            }
            ready = waitSet.await(timeoutMs);
        }
        for (int i = 0; i < shared; i++)
        {
            final ArmedDoorbell doorbell = armedDoorbells.get(i);
            doorbell.disarm();
            // A byte poll did not see stays readable, and ends the next sleep at once.
            if (ready > 0 && waitSet.readable(doorbell.fd()))
            {
                doorbell.drain();
            }
        }
        for (int i = 0, n = doorbells.size(); ready > 0 && i < n; i++)
        {
            final Doorbell doorbell = doorbells.get(i);
            if (waitSet.readable(doorbell.fd()))
            {
                doorbell.drain();
            }
        }
        for (int i = descriptors.size() - 1; ready > 0 && i >= 0; i--)
        {
            final int fd = descriptors.getInt(i);
            if (waitSet.failed(fd))
            {
                forget(fd);
                failedDescriptors++;
            }
        }
        for (int i = foreignDoorbells.size() - 1; i >= 0; i--)
        {
            final ArmedDoorbell doorbell = foreignDoorbells.get(i);
            if (doorbell.failed() || ready > 0 && waitSet.failed(doorbell.fd()))
            {
                forget(doorbell);
                failedDescriptors++;
            }
        }
        // The next idle call after a sleep looks for work, then sleeps again without spinning: a timeout is no sign
        // that a reply is about to follow.
    }
}
