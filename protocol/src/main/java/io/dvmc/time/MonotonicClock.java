package io.dvmc.time;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Epoch-like milliseconds that only ever advance: the wall clock read once, at an origin, then moved on by a
 * monotonic clock (CLOCK_MONOTONIC through {@link System#nanoTime} on Linux). A step of the wall clock, either way,
 * moves neither the expiry of a lease nor a deadline counted on this clock.
 *
 * <p>What leaves the process as a wall-clock time (a journal record, an etcd value) goes through {@link #toWall},
 * and what comes in through {@link #fromWall}: the offset between the two is the sum of the steps (and the rate
 * drift) since the origin.
 */
public final class MonotonicClock extends Clock implements EpochClock
{
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final long originMillis;
    private final long originNanos;
    private final Clock wall;
    private final NanoClock monotonic;

    /**
     * @param originMillis the epoch ms this clock reads at {@code originNanos}.
     * @param originNanos  a reading of {@code monotonic}.
     */
    public MonotonicClock(final long originMillis, final long originNanos, final Clock wall, final NanoClock monotonic)
    {
        this.originMillis = originMillis;
        this.originNanos = originNanos;
        this.wall = wall;
        this.monotonic = monotonic;
    }

    /** A clock whose origin is now: it reads the wall clock's time now, and advances monotonically from there. */
    public static MonotonicClock startingNow(final Clock wall, final NanoClock monotonic)
    {
        final long nanos = monotonic.nanoTime();
        return new MonotonicClock(wall.millis(), nanos, wall, monotonic);
    }

    /** {@link #startingNow} over the system's clocks. */
    public static MonotonicClock system()
    {
        return startingNow(Clock.systemUTC(), SystemNanoClock.INSTANCE);
    }

    public long millis()
    {
        return originMillis + Math.floorDiv(monotonic.nanoTime() - originNanos, NANOS_PER_MILLI);
    }

    public long time()
    {
        return millis();
    }

    /** The epoch ms of the origin: no time of this clock is earlier. */
    public long originMillis()
    {
        return originMillis;
    }

    /** The monotonic clock's reading at the origin. */
    public long originNanos()
    {
        return originNanos;
    }

    /** The wall clock this one started from; for timestamps that another machine checks. */
    public Clock wall()
    {
        return wall;
    }

    /** The wall clock less this clock, now: the steps (and the rate drift) since the origin. */
    public long wallOffsetMillis()
    {
        return wall.millis() - millis();
    }

    /** A time of this clock as the wall clock reads it now. */
    public long toWall(final long millis)
    {
        return millis + wall.millis() - millis();
    }

    /** A wall-clock time (of this machine's wall clock, now) as a time of this clock. */
    public long fromWall(final long wallMillis)
    {
        return wallMillis - wall.millis() + millis();
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
