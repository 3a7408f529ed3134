package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** A request the address manager cannot answer in the domain's mode: a relay domain's, which it keeps no leases of. */
public final class UnsupportedModeException extends LeaseException
{
    public UnsupportedModeException(final String message)
    {
        super(DvmcStatus.REASON_NOT_SUPPORTED, message);
    }
}
