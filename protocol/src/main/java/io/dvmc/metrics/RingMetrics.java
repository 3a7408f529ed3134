package io.dvmc.metrics;

import io.dvmc.ipc.RingFiles;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/** The depths of the host's two rings between dataplane and agent, as both processes see them. */
public final class RingMetrics
{
    private RingMetrics()
    {
    }

    /** Adds {@code <prefix>ring_used_bytes} and {@code <prefix>ring_capacity_bytes}, by ring, to {@code gauges}. */
    public static void add(final Gauges gauges, final String prefix, final RingFiles rings)
    {
        add(gauges, prefix, "to_agent", rings.toAgent());
        add(gauges, prefix, "to_dataplane", rings.toDataplane());
    }

    private static void add(final Gauges gauges, final String prefix, final String name, final RingBuffer ring)
    {
        gauges.add(prefix + "ring_used_bytes", "Bytes of messages waiting in a ring between dataplane and agent",
            ring::size, "ring", name);
        gauges.add(prefix + "ring_capacity_bytes", "Bytes a ring between dataplane and agent holds at most",
            ring::capacity, "ring", name);
    }
}
