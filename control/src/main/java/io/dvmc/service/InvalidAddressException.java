package io.dvmc.service;

/**
 * The address in a request cannot be given to this client: outside the subnet, not the one offered or bound to
 * this (domain, MAC), or from another server (RFC 2131 §4.3.2).
 */
public final class InvalidAddressException extends LeaseException
{
    /** @param reason {@code DvmcStatus.REASON_WRONG_ADDRESS}, {@code REASON_OUTSIDE_SUBNET} or {@code REASON_WRONG_SERVER}. */
    public InvalidAddressException(final int reason, final String message)
    {
        super(reason, message);
    }
}
