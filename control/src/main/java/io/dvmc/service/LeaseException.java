package io.dvmc.service;

/**
 * Why the address manager refuses a request; the service answers it with a NAK carrying {@link #reason()}. These
 * are outcomes a client can cause, so they carry no stack trace (cheap to throw on the service thread).
 */
public abstract class LeaseException extends Exception
{
    private final int reason;

    protected LeaseException(final int reason, final String message)
    {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** A {@code DvmcStatus.REASON_*} code. */
    public int reason()
    {
        return reason;
    }
}
