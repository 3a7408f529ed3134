package io.dvmc.time;

import org.agrona.concurrent.NanoClock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A machine's two clocks, moved by hand: {@link #pass} is real time going by (both move), {@link #step} is the wall
 * clock set by an operator or NTP (only it moves). Safe to read from another thread than the one moving it.
 */
public final class SteppedClocks extends Clock implements NanoClock
{
    private final AtomicLong wallMillis;
    private final AtomicLong nanos = new AtomicLong(TimeUnit.DAYS.toNanos(3));

    public SteppedClocks(final long wallMillis)
    {
        this.wallMillis = new AtomicLong(wallMillis);
    }

    /** Real time passes. */
    public void pass(final long millis)
    {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        wallMillis.addAndGet(millis);
    }

    /** The wall clock is set {@code millis} ahead (negative: back); no real time passes. */
    public void step(final long millis)
    {
        wallMillis.addAndGet(millis);
    }

    public long nanoTime()
    {
        return nanos.get();
    }

    public long millis()
    {
        return wallMillis.get();
    }

    public Instant instant()
    {
        return Instant.ofEpochMilli(millis());
    }

    public ZoneId getZone()
    {
        return ZoneOffset.UTC;
    }

    public Clock withZone(final ZoneId zone)
    {
        return this;
    }
}
