package io.dvmc.config;

import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Idle strategies by name: busy-spin on a dedicated core; on shared cores {@code wait} for the control plane's loops
 * (they sleep in the kernel until a socket or ring has work) and {@code backoff} for the dataplane's poll loop, which
 * has no descriptor to sleep on.
 */
public final class IdleStrategies
{
    private IdleStrategies()
    {
    }

    /**
     * The idle strategy of a DPDK poll loop: any but {@code wait}, since a port gives the loop no descriptor to sleep
     * on (a frame would wait for the timeout).
     */
    public static IdleStrategy forPollLoop(final String name)
    {
        if (WaitingIdleStrategy.ALIAS.equals(name))
        {
            throw new IllegalArgumentException(
                "idle strategy 'wait' is for the agent and the service: the dataplane's poll loop has no descriptor " +
                    "to sleep on; give it busy (a core of its own) or backoff (a shared core)");
        }
        return of(name);
    }

    public static IdleStrategy of(final String name)
    {
        return switch (name == null ? "backoff" : name)
        {
            case "busy", "busy-spin" -> new BusySpinIdleStrategy();
            case "yield" -> new YieldingIdleStrategy();
            case "sleep" -> new SleepingMillisIdleStrategy(1);
            // Spin briefly, then park up to 1 ms: replies stay sub-millisecond without burning a shared core.
            case "backoff" -> new BackoffIdleStrategy(
                10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
            case WaitingIdleStrategy.ALIAS -> new WaitingIdleStrategy(
                Integer.getInteger("dvmc.idle.spins", WaitingIdleStrategy.DEFAULT_SPINS),
                Integer.getInteger("dvmc.idle.yields", WaitingIdleStrategy.DEFAULT_YIELDS),
                WaitingIdleStrategy.DEFAULT_TIMEOUT_MS);
            default -> throw new IllegalArgumentException(
                "unknown idle strategy '" + name + "' (busy, yield, backoff, sleep, wait)");
        };
    }
}
