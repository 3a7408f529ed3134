package io.dvmc.dataplane;

import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A dataplane with {@code idle: wait}: how it stops, and what it tells of the loops that cannot sleep. */
class IdleWaitTest
{
    private static final long STOPPED_WITHIN_MS = 10_000;

    @TempDir
    Path dir;

    /**
     * Rather than when each thread's sleep times out: here the sleeps last ten minutes, so a stop that waited for them
     * would take that long.
     */
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

    @Test
    void aLoopThatPollsAPortWithNothingToSleepOnIsShownBackingOffUntilThePortGoesWhileTheWorkerThreadSleeps()
        throws Exception
    {
        final Path rx = dir.resolve("vm1-rx.pcap");
        PcapFile.write(rx, List.of());
        final String vm1 = DataplaneProcess.pcapPort("vm1", 0, rx, dir.resolve("vm1-tx.pcap"), "");
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, List.of(vm1), List.of()))
        {
            dataplane.awaitCounter("loops backing off", 1);
            // The loop counts itself backing off, then logs why: the line may come a moment after the count.
            dataplane.await("the log to say why the poll loop backs off", DataplaneProcess.START,
                () -> dataplane.log().contains("port vm1 gives no descriptor to sleep on"));
            // The worker thread (workers 1, the default) polls no port: it sleeps, and its sleeps count too.
            dataplane.awaitCounter("loop sleeps", 1);

            DataplaneProcess.writeConfig(dir, List.of(), List.of());
            dataplane.await("the poll loop to sleep once vm1 is gone", DataplaneProcess.START,
                () -> dataplane.counter("loops backing off") == 0);
            assertEquals(143, dataplane.stop(), dataplane.log());
        }
    }
}
