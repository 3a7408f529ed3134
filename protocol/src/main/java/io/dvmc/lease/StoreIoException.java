package io.dvmc.lease;

/** An I/O failure while opening, recovering or locking a store file. */
public final class StoreIoException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreIoException(final String message)
    {
        super(message);
    }

    public StoreIoException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
