package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;

/** Every address of the domain's pools is offered, bound, reserved, excluded or declined (RFC 2131 §4.3.1). */
public final class OutOfAddressesException extends LeaseException
{
    public OutOfAddressesException(final String message)
    {
        super(DvmcStatus.REASON_NO_ADDRESS, message);
    }
}
