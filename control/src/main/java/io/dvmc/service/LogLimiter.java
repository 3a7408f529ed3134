package io.dvmc.service;

/**
 * Lets one log line through per interval, and counts the ones held back, so that a fault hit by every request (a
 * full disk) is logged without flooding the log. Single-threaded.
 */
final class LogLimiter
{
    private final long intervalMs;
    private long nextMs = Long.MIN_VALUE;
    private long suppressed;

    LogLimiter(final long intervalMs)
    {
        this.intervalMs = intervalMs;
    }

    /**
     * @return -1 to hold the line back, else how many lines were held back since the last one let through.
     */
    long allow(final long nowMs)
    {
        if (nowMs < nextMs)
        {
            suppressed++;
            return -1;
        }
        nextMs = nowMs + intervalMs;
        final long held = suppressed;
        suppressed = 0;
        return held;
    }
}
