package io.dvmc.lab;

import org.agrona.concurrent.BackoffIdleStrategy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, never for a fixed time: tests on two busy cores get as long as the deadline
 * allows and go on the moment the condition holds. Between looks it backs off from spinning to parking (up to 10 ms),
 * as an idle agent does.
 */
public final class Await
{
    private Await()
    {
    }

    /** Whether {@code condition} held within {@code timeout}. */
    public static boolean within(Duration timeout, BooleanSupplier condition)
    {
        BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(50),
            TimeUnit.MILLISECONDS.toNanos(10));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            if (Thread.currentThread().isInterrupted())
            {
                throw new LabException("interrupted waiting");
            }
            idle.idle();
        }
        return true;
    }

    /** Fails with "timed out after T waiting for WHAT" unless {@code condition} holds within {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition)
    {
        until(what, timeout, condition, () -> "");
    }

    /** {@link #until(String, Duration, BooleanSupplier)}, whose failure also shows {@code seen}: what the wait saw. */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> seen)
    {
        if (!within(timeout, condition))
        {
            String shown = seen.get();
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what +
                (shown.isEmpty() ? "" : "\n" + shown));
        }
    }
}
