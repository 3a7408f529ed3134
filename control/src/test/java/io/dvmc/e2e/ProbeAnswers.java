package io.dvmc.e2e;

import java.time.Duration;
import java.util.List;

/** The DHCPACKs a {@link DhcpProbe} in {@code renew} mode has received, as epoch milliseconds, read from its log. */
final class ProbeAnswers
{
    private final JvmProcess probe;

    ProbeAnswers(final JvmProcess probe)
    {
        this.probe = probe;
    }

    List<Long> acks()
    {
        return probe.log().lines().filter(l -> l.startsWith("ack ")).map(l -> Long.parseLong(l.substring(4)))
            .toList();
    }

    /** When the probe sent its RELEASE (epoch ms); fails if it has not yet. */
    long releasedAt()
    {
        return probe.log().lines().filter(l -> l.startsWith("released ")).mapToLong(l -> Long.parseLong(l.substring(9)))
            .findFirst().orElseThrow(() -> new AssertionError("the probe sent no RELEASE:\n" + probe.log()));
    }

    /** Waits for an ACK received at or after {@code sinceMs}; returns when it came. */
    long awaitAckSince(final long sinceMs, final Duration timeout)
    {
        probe.await("a DHCPACK since " + sinceMs, timeout, () -> acks().stream().anyMatch(t -> t >= sinceMs));
        return acks().stream().filter(t -> t >= sinceMs).findFirst().orElseThrow();
    }

    /** The longest time without an ACK between {@code fromMs} and the last ACK received. */
    long longestSilenceSince(final long fromMs)
    {
        long previous = fromMs;
        long longest = 0;
        for (final long t : acks())
        {
            if (t >= fromMs)
            {
                longest = Math.max(longest, t - previous);
                previous = t;
            }
        }
        return longest;
    }
}
