package io.dvmc.exchange;

/**
 * Retransmission schedule of a {@link DvmcClient} transaction: the first wait is {@code initialTimeoutMs}, each
 * next one doubles up to {@code maxTimeoutMs}, and after {@code maxTries} sends without a reply the transaction
 * times out. The default (250 ms → 4 s, 5 tries: sends at 0, 0.25, 0.75, 1.75, 3.75 s) gives up at 7.75 s; a
 * VM's own DHCP client retries on a ~4 s doubling schedule (RFC 2131 §4.1), so a lost datagram costs the VM far
 * less than one of its own retries.
 */
public record RetryPolicy(int maxTries, long initialTimeoutMs, long maxTimeoutMs)
{
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, 250, 4_000);

    public RetryPolicy
    {
        if (maxTries < 1 || initialTimeoutMs < 1 || maxTimeoutMs < initialTimeoutMs)
        {
            throw new IllegalArgumentException("bad retry policy: tries=" + maxTries + " initial=" +
                initialTimeoutMs + " max=" + maxTimeoutMs);
        }
    }

    /** Wait after the {@code tries}-th send (1-based). */
    public long timeoutAfter(final int tries)
    {
        final int shift = Math.min(tries - 1, 30);
        return Math.min(maxTimeoutMs, initialTimeoutMs << shift);
    }
}
