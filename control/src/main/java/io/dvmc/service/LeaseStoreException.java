package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** The lease journal failed; nothing is acknowledged until the service restarts on a healthy store. */
public final class LeaseStoreException extends LeaseException
{
    public LeaseStoreException(final String message)
    {
        super(DvmcStatus.REASON_STORE_FAILURE, message);
    }
}
