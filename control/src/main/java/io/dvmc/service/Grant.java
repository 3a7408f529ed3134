package io.dvmc.service;

import io.dvmc.policy.Domain;
import org.agrona.DirectBuffer;

/**
 * What the address manager decided for one request, read by the service to build the reply. One instance is
 * reused for every request.
 */
public final class Grant
{
    Domain domain;
    int address;
    int vmLeaseSeconds;
    int hostLeaseSeconds;
    DirectBuffer options;
    int optionsLength;
    boolean durable;
    /** The lease log entry that makes the decision durable, or -1. */
    int entry = -1;

    void reset()
    {
        domain = null;
        address = 0;
        vmLeaseSeconds = 0;
        hostLeaseSeconds = 0;
        options = null;
        optionsLength = 0;
        durable = false;
        entry = -1;
    }

    public Domain domain()
    {
        return domain;
    }

    /** The address given, or 0 (INFORM, RELEASE). */
    public int address()
    {
        return address;
    }

    public int serverId()
    {
        return domain == null ? 0 : domain.serverIp();
    }

    public int vmLeaseSeconds()
    {
        return vmLeaseSeconds;
    }

    public int hostLeaseSeconds()
    {
        return hostLeaseSeconds;
    }

    /** The domain's encoded options (field 225), or null. */
    public DirectBuffer options()
    {
        return options;
    }

    public int optionsLength()
    {
        return optionsLength;
    }

    /** Whether the decision was journalled and the reply must wait for the journal sync. */
    public boolean durable()
    {
        return durable;
    }
}
