package io.dvmc.lease;

/** A segment lock of the map stayed held past the deadline, typically left by a process killed mid-operation; run the recovery cycle. */
public final class SegmentLockedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public SegmentLockedException(final String message) {
        super(message);
    }

    public SegmentLockedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
