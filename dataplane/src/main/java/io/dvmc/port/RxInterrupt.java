package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;
import io.dvmc.wake.ArmedDoorbell;

/**
 * The rx interrupt of one queue of a port, for the one loop that polls the queue: a doorbell the port rings when a
 * frame comes to the queue while the loop sleeps. Only {@code net_vhost} ports have one here: the guest kicks the
 * queue, if asked to, when it queues a frame.
 *
 * <p>The loop {@link #arm arms} it, which asks the guest for kicks, and sleeps only when {@link #hasFrames} finds no
 * frame already queued, since the guest may have queued one unasked just before. Once awake it {@link #disarm disarms}
 * it, so that the guest stops kicking while the loop polls, and {@link #drain drains} it. A guest that connects starts
 * with its kicks off; the port's link event rings the doorbell, so the loop wakes and asks again.
 *
 * <p>A failed call is kept, not thrown, so that a loop can call these on its hot path: {@link #hasFrames} then says
 * yes, so the loop does not sleep on a doorbell that may never ring, {@link #failed} leaves it out of the loop's
 * sleeps, and {@link #failure} says why.
 */
public final class RxInterrupt implements ArmedDoorbell
{
    /** Linux's ENOTSUP (EOPNOTSUPP): the port has no rx interrupts. */
    private static final int ENOTSUP = 95;

    private final short portId;
    private final short queue;
    private final int fd;
    private final String name;
    private int queued;
    private int failed;

    private RxInterrupt(final short portId, final int queue, final int fd, final String name)
    {
        this.portId = portId;
        this.queue = (short)queue;
        this.fd = fd;
        this.name = name;
    }

    /**
     * @return rx {@code queue}'s interrupt, or null for a port without rx interrupts.
     * @throws EalException when the port should have one and has none.
     */
    static RxInterrupt of(final short portId, final int queue, final String name)
    {
        final int fd = dvmc_shim_h.dvmc_port_rx_wake_fd(portId, (short)queue);
        if (fd == -ENOTSUP)
        {
            return null;
        }
        Native.check(fd, "rx interrupt of queue " + queue + " of port " + name);
        return new RxInterrupt(portId, queue, fd, name);
    }

    public int fd()
    {
        return fd;
    }

    public void arm()
    {
        final int ret = dvmc_shim_h.dvmc_port_rx_arm(portId, queue);
        queued = ret;
        if (ret < 0)
        {
            failed = ret;
        }
    }

    /** After {@link #arm}: whether the queue already holds frames, or arming failed. */
    public boolean hasFrames()
    {
        return queued != 0;
    }

    public void disarm()
    {
        final int ret = dvmc_shim_h.dvmc_port_rx_disarm(portId, queue);
        if (ret < 0)
        {
            failed = ret;
        }
    }

    public void drain()
    {
        final int ret = dvmc_shim_h.dvmc_port_rx_drain(portId, queue);
        if (ret < 0)
        {
            failed = ret;
        }
    }

    /** Whether a call failed: {@link #failure} says why. */
    @Override
    public boolean failed()
    {
        return failed != 0;
    }

    /** Why a call failed, null while none did. */
    public String failure()
    {
        return failed == 0
            ? null
            : "rx interrupt of queue " + queue + " of port " + name + ": " +
                Native.strerror(failed) + " (errno " + -failed + ")";
    }

    @Override
    public String toString()
    {
        return "rx interrupt of queue " + queue + " of port " + name + " (fd " + fd + ")";
    }
}
