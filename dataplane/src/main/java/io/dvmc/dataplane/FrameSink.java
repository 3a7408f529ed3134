package io.dvmc.dataplane;

/** Where the worker puts the frames it sends: the tx queue to the poll thread, or the poll loop's own tx bursts. */
@FunctionalInterface
public interface FrameSink
{
    /** @return false if the frame was not taken (the caller frees and counts it). */
    boolean offer(long mbuf, int port);
}
