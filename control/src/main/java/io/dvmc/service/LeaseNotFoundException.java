package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** The service holds no lease for this (domain, MAC). */
public final class LeaseNotFoundException extends LeaseException
{
    public LeaseNotFoundException(final String message)
    {
        super(DvmcStatus.REASON_NO_LEASE, message);
    }
}
