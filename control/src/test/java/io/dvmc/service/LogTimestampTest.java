package io.dvmc.service;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lease events' timestamp is the one the shipped pattern's %d writes, in any zone, across its transitions. */
class LogTimestampTest
{
    private static final String PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    @Test
    void aTimeIsWrittenAsThePatternWritesItInUtcAndInZonesWithOffsetsAndSummerTime()
    {
        final long[] times = {0L, 951_782_400_000L, 951_868_799_999L, 1_711_846_799_999L, 1_711_846_800_000L,
            1_729_990_799_999L, 1_729_990_800_000L, 1_796_460_000_123L, -86_400_001L, 4_102_444_800_000L};
        for (final String zone : new String[]{"UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata",
            "Pacific/Chatham"})
        {
            final ZoneId id = ZoneId.of(zone);
            final LogTimestamp timestamp = new LogTimestamp(id);
            final DateTimeFormatter reference = DateTimeFormatter.ofPattern(PATTERN).withZone(id);
            for (final long time : times)
            {
                final byte[] out = new byte[LogTimestamp.MAX_LENGTH];
                final int length = timestamp.write(time, out, 0);
                assertEquals(reference.format(Instant.ofEpochMilli(time)),
                    new String(out, 0, length, StandardCharsets.US_ASCII), zone + " at " + time);
            }
        }
    }
}
