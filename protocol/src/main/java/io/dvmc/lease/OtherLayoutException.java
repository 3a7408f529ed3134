package io.dvmc.lease;

/**
 * The file is a map of another layout: another record type, the same record type of another layout version (a
 * store written by another dvmc version, see {@link LeaseRecord}'s layout history), or one created for another
 * capacity than its writer is configured for (Chronicle would keep the file's, silently).
 */
public final class OtherLayoutException extends ForeignStoreException
{
    private static final long serialVersionUID = 1L;

    public OtherLayoutException(final String message)
    {
        super(message);
    }
}
