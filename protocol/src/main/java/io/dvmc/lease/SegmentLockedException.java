package io.dvmc.lease;

/**
 * A segment lock of the map stayed held past the deadline, typically left by a process killed mid-operation (a
 * reader's read count, a writer's update lock): run the recovery cycle of {@link StoreGuard}.
 */
public final class SegmentLockedException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public SegmentLockedException(final String message)
    {
        super(message);
    }

    public SegmentLockedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
