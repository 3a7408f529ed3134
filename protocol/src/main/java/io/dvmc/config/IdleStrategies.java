package io.dvmc.config;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/** Idle strategies by name: busy-spin on a dedicated core in production, backoff on shared cores and in tests. */
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
            default -> throw new IllegalArgumentException(
                "unknown idle strategy '" + name + "' (busy, yield, backoff, sleep)");
        };
    }
}
