package io.dvmc.lease;

/** A lock on the sidecar lock file was not granted before the deadline (a peer still holds it). */
public final class StoreLockTimeoutException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreLockTimeoutException(final String message)
    {
        super(message);
    }

    public StoreLockTimeoutException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
