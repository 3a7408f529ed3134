package io.dvmc.dataplane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dataplane whose threads sleep ({@code idle: wait}) stops at once on SIGTERM, rather than when each thread's sleep
 * times out: here the sleeps last ten minutes, so a stop that waited for them would take that long.
 */
class SleepingStopTest
{
    private static final long STOPPED_WITHIN_MS = 10_000;

    @TempDir
    Path dir;

    @Test
    void aDataplaneWhoseThreadsSleepStopsAtOnceOnSigterm() throws Exception
    {
        // No port: every loop has something to sleep on (a net_pcap port would make the poll loop back off).
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, "\"workers\": 1", List.of(), List.of(),
            List.of("-Ddvmc.idle.timeoutMs=600000")))
        {
            dataplane.await("the poll loop to sleep", DataplaneProcess.START,
                () -> dataplane.counters().getOrDefault("loop sleeps", 0L) > 0);

            final long start = System.nanoTime();
            assertEquals(143, dataplane.stop(), dataplane.log());
            final long stoppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(stoppedMs < STOPPED_WITHIN_MS, "stopped after " + stoppedMs + " ms\n" + dataplane.log());
        }
    }
}
