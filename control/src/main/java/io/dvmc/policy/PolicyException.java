package io.dvmc.policy;

/** A policy that cannot be used, with a message that names the source, the domain and the field. */
public final class PolicyException extends Exception
{
    public PolicyException(final String message)
    {
        super(message);
    }

    public PolicyException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
