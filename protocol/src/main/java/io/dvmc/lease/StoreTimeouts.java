package io.dvmc.lease;

import java.time.Duration;
import java.util.Objects;

/**
 * Deadlines of a store.
 *
 * @param lockFile  how long to wait for the sidecar lock file (shared for readers, exclusive for recovery)
 * @param writeLock how long the writer waits for a segment lock before {@link SegmentLockedException}
 * @param readLock  how long a reader waits for a segment lock before answering {@link LookupResult#BUSY};
 *                  short, because the reader is the dataplane's poll loop
 */
public record StoreTimeouts(Duration lockFile, Duration writeLock, Duration readLock)
{
    /** 30 s for the lock file (a peer closing its maps), 2 s per write, 50 µs per read. */
    public static final StoreTimeouts DEFAULTS = new StoreTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofNanos(50_000));

    public StoreTimeouts
    {
        Objects.requireNonNull(lockFile, "lockFile");
        Objects.requireNonNull(writeLock, "writeLock");
        Objects.requireNonNull(readLock, "readLock");
        if (lockFile.isNegative() || writeLock.isNegative() || readLock.isNegative())
        {
            throw new IllegalArgumentException("negative timeout: " + this);
        }
    }
}
