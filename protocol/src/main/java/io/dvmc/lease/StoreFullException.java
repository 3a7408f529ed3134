package io.dvmc.lease;

/** The store reached its capacity; it was created with too small a maximum entry count. */
public final class StoreFullException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreFullException(final String message)
    {
        super(message);
    }

    public StoreFullException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
