package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** The policy has no such domain. */
public final class UnknownDomainException extends LeaseException
{
    public UnknownDomainException(final String message)
    {
        super(DvmcStatus.REASON_UNKNOWN_DOMAIN, message);
    }
}
