package io.dvmc.lease;

/** The file is not a store of the expected layout (another record size, another format, or not a map at all). */
public class ForeignStoreException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public ForeignStoreException(final String message)
    {
        super(message);
    }

    public ForeignStoreException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
