package io.dvmc.service;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import io.dvmc.time.MonotonicClock;
import org.agrona.concurrent.NanoClock;

/**
 * A machine's wall and monotonic clocks, moved by hand: advancing is real time passing (both move), {@link #step}
 * sets the wall clock only. Safe to read from the service thread while the test thread moves it.
 */
public final class MutableClock extends Clock implements NanoClock
{
    private final AtomicLong millis;
    private final AtomicLong nanos = new AtomicLong();

    public MutableClock(final long startMillis)
    {
        millis = new AtomicLong(startMillis);
    }

    /** The wall clock is set {@code ms} ahead (negative: back); no time passes. */
    public void step(final long ms)
    {
        millis.addAndGet(ms);
    }

    /** The clock a service process started now counts leases on. */
    public MonotonicClock monotonic()
    {
        return MonotonicClock.startingNow(this, this);
    }

    public long nanoTime()
    {
        return nanos.get();
    }

    public void advanceSeconds(final long seconds)
    {
        advanceMillis(seconds * 1000);
    }

    public void advanceMillis(final long ms)
    {
        nanos.addAndGet(ms * 1_000_000L);
        millis.addAndGet(ms);
    }

    public long millis()
    {
        return millis.get();
    }

    public Instant instant()
    {
        return Instant.ofEpochMilli(millis.get());
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
