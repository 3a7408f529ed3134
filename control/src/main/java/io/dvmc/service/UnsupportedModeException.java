package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** The domain is a relay domain; relaying to tenant servers is not implemented yet. */
public final class UnsupportedModeException extends LeaseException
{
    public UnsupportedModeException(final String message)
    {
        super(DvmcStatus.REASON_NOT_SUPPORTED, message);
    }
}
