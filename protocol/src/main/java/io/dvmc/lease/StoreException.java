package io.dvmc.lease;

/** Base of every failure of the lease and domain stores; unchecked so hot-path signatures stay plain. */
public class StoreException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public StoreException(final String message)
    {
        super(message);
    }

    public StoreException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
