package io.dvmc.lease;

/**
 * A store that was unmapped for recovery could not be mapped again (the file was removed, replaced or cannot be
 * read). The store is unusable until the process restarts and opens it anew, so callers treat this as fatal.
 */
public final class StoreFailedException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
