package io.dvmc.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A preallocated latency histogram: cumulative buckets in seconds, and nothing allocated per latency recorded. */
class LatencyHistogramTest
{
    @Test
    void latenciesFallInTheirBucketsAndTheSumIsInSeconds() throws IOException
    {
        final LatencyHistogram h = new LatencyHistogram("dvmc_test_duration_seconds", "test", "request",
            List.of("discover", "request"));
        h.record(0, 80_000); // 80 µs
        h.record(0, 3_000_000); // 3 ms
        h.record(1, 20_000_000_000L);

        final String text = CountersMetricsTest.text(h.collect());

        assertTrue(text.contains("dvmc_test_duration_seconds_bucket{request=\"discover\",le=\"1.0E-4\"} 1\n"), text);
        assertTrue(text.contains("dvmc_test_duration_seconds_bucket{request=\"discover\",le=\"0.005\"} 2\n"), text);
        assertTrue(text.contains("dvmc_test_duration_seconds_bucket{request=\"request\",le=\"10.0\"} 0\n"), text);
        assertTrue(text.contains("dvmc_test_duration_seconds_bucket{request=\"request\",le=\"+Inf\"} 1\n"), text);
        assertTrue(text.contains("dvmc_test_duration_seconds_count{request=\"discover\"} 2\n"), text);
        assertTrue(text.contains("dvmc_test_duration_seconds_sum{request=\"discover\"} 0.00308\n"), text);
        assertEquals(1, h.count(1));
    }

    @Test
    void recordingALatencyAllocatesNothing()
    {
        final LatencyHistogram h = new LatencyHistogram("dvmc_test_duration_seconds", "test", "request",
            List.of("discover"));
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory
            .getThreadMXBean();
        final long thread = Thread.currentThread().threadId();
        final long[] allocated = new long[4];
        for (int round = 0; round < allocated.length; round++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 100_000; i++)
            {
                h.record(0, i * 1_000L);
            }
            allocated[round] = threads.getThreadAllocatedBytes(thread) - before;
        }

        // Early rounds run code the JIT has not compiled yet (an OSR transition allocates once): a steady round is
        // what counts.
        assertEquals(0, java.util.Arrays.stream(allocated).min().orElseThrow(),
            "bytes allocated per round of 100,000 latencies: " + java.util.Arrays.toString(allocated));
        assertEquals(400_000, h.count(0));
    }
}
