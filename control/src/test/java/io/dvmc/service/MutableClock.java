package io.dvmc.service;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand; safe to read from the service thread while the test thread moves it. */
public final class MutableClock extends Clock
{
    private final AtomicLong millis;

    public MutableClock(final long startMillis)
    {
        millis = new AtomicLong(startMillis);
    }

    public void advanceSeconds(final long seconds)
    {
        millis.addAndGet(seconds * 1000);
    }

    public void advanceMillis(final long ms)
    {
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
