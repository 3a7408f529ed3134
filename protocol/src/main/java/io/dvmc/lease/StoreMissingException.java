package io.dvmc.lease;

/** A reader asked for a store file that does not exist (the writer has not created it yet). */
public final class StoreMissingException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreMissingException(final String message)
    {
        super(message);
    }

    public StoreMissingException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
