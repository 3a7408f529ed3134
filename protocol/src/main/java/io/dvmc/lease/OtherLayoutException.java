package io.dvmc.lease;

/**
 * The file is a map of another layout: another record type, or the same record type of another layout version (a
 * store written by another dvmc version, see {@link LeaseRecord}'s layout history).
 */
public final class OtherLayoutException extends ForeignStoreException
{
    private static final long serialVersionUID = 1L;

    public OtherLayoutException(final String message)
    {
        super(message);
    }
}
