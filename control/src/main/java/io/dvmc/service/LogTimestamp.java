package io.dvmc.service;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * Writes a time as the shipped log pattern's {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}} does, in ASCII into a byte
 * array, without allocating: the zone's offset is looked up again only when the time leaves the span between two of
 * its transitions (never in UTC).
 */
final class LogTimestamp
{
    /** yyyy-MM-ddTHH:mm:ss.SSS plus the longest offset, +HH:MM. */
    static final int MAX_LENGTH = 29;
    private static final long MS_PER_DAY = 86_400_000L;

    private final ZoneRules rules;
    private long validFromMs = Long.MAX_VALUE;
    private long validUntilMs = Long.MIN_VALUE;
    private int offsetMs;

    LogTimestamp(final ZoneId zone)
    {
        this.rules = zone.getRules();
    }

    /** Writes {@code epochMs} at {@code at}; returns the offset after it. */
    int write(final long epochMs, final byte[] out, final int at)
    {
        if (epochMs < validFromMs || epochMs >= validUntilMs)
        {
            lookUpOffset(epochMs);
        }
        final long local = epochMs + offsetMs;
        final long day = Math.floorDiv(local, MS_PER_DAY);
        final int msOfDay = (int)Math.floorMod(local, MS_PER_DAY);
        int i = writeDate(day, out, at);
        out[i++] = 'T';
        i = twoDigits(msOfDay / 3_600_000, out, i);
        out[i++] = ':';
        i = twoDigits(msOfDay / 60_000 % 60, out, i);
        out[i++] = ':';
        i = twoDigits(msOfDay / 1000 % 60, out, i);
        out[i++] = '.';
        final int ms = msOfDay % 1000;
        out[i++] = (byte)('0' + ms / 100);
        i = twoDigits(ms % 100, out, i);
        return writeOffset(out, i);
    }

    private void lookUpOffset(final long epochMs)
    {
        final Instant at = Instant.ofEpochMilli(epochMs);
        offsetMs = rules.getOffset(at).getTotalSeconds() * 1000;
        final ZoneOffsetTransition previous = rules.previousTransition(at);
        final ZoneOffsetTransition next = rules.nextTransition(at);
        validFromMs = previous == null ? Long.MIN_VALUE : previous.toEpochSecond() * 1000;
        validUntilMs = next == null ? Long.MAX_VALUE : next.toEpochSecond() * 1000;
    }

    /** The proleptic Gregorian date of a day counted from 1970-01-01, as yyyy-MM-dd (years 0 to 9999). */
    private static int writeDate(final long epochDay, final byte[] out, final int at)
    {
        // Days from 0000-03-01, in 400-year eras of 146,097 days; a year starts in March so that leap days end it.
        final long days = epochDay + 719_468;
        final long era = Math.floorDiv(days, 146_097);
        final int dayOfEra = (int)(days - era * 146_097);
        final int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final int monthFromMarch = (5 * dayOfYear + 2) / 153;
        final int dayOfMonth = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
        final int month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        final int year = (int)(era * 400 + yearOfEra) + (month <= 2 ? 1 : 0);
        int i = twoDigits(year / 100, out, at);
        i = twoDigits(year % 100, out, i);
        out[i++] = '-';
        i = twoDigits(month, out, i);
        out[i++] = '-';
        return twoDigits(dayOfMonth, out, i);
    }

    /** XXX: Z for UTC, otherwise +HH:MM or -HH:MM. */
    private int writeOffset(final byte[] out, final int at)
    {
        if (offsetMs == 0)
        {
            out[at] = 'Z';
            return at + 1;
        }
        final int minutes = Math.abs(offsetMs) / 60_000;
        out[at] = (byte)(offsetMs < 0 ? '-' : '+');
        int i = twoDigits(minutes / 60, out, at + 1);
        out[i++] = ':';
        return twoDigits(minutes % 60, out, i);
    }

    private static int twoDigits(final int value, final byte[] out, final int at)
    {
        out[at] = (byte)('0' + value / 10);
        out[at + 1] = (byte)('0' + value % 10);
        return at + 2;
    }
}
