package io.dvmc.lease;

/** The store file exists but its creation or recovery never completed; only the writer's recovery can fix it. */
public final class StoreNotReadyException extends StoreException
{
    private static final long serialVersionUID = 1L;

    public StoreNotReadyException(final String message)
    {
        super(message);
    }

    public StoreNotReadyException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
