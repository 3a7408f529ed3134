package io.dvmc.lease;

/** Another live process already holds the writer role of this store; there is only one writer per store. */
public final class WriterActiveException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public WriterActiveException(final String message)
    {
        super(message);
    }

    public WriterActiveException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
