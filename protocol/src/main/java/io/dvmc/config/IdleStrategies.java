package io.dvmc.config;

import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Idle strategies by name: busy-spin on a dedicated core; on shared cores {@code wait}, which sleeps in the kernel
 * until a socket, port or ring has work (the dataplane's loops fall back to {@code backoff} while a port gives them
 * nothing to sleep on).
 */
public final class IdleStrategies
{
    private IdleStrategies()
    {
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
                Integer.getInteger("dvmc.idle.timeoutMs", WaitingIdleStrategy.DEFAULT_TIMEOUT_MS));
            default -> throw new IllegalArgumentException(
                "unknown idle strategy '" + name + "' (busy, yield, backoff, sleep, wait)");
        };
    }
}
