package io.dvmc.service;

import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyFile;

/** Policies the service tests share: two domains on the same subnet, plus small special-purpose ones. */
final class TestPolicies
{
    static final int BLUE = 100;
    static final int RED = 200;
    /** A domain with one dynamic address, to see it come back. */
    static final int TINY = 300;
    static final int RELAY = 400;

    static final int ROUTER = 0x0A000001;
    static final int FIRST = 0x0A000064;

    private TestPolicies()
    {
    }

    static String json(final int servicePort)
    {
        return """
            { "services": ["127.0.0.1:%d"],
              "domains": [
                { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ],
                  "dns": ["10.0.0.53"], "mtu": 1450, "leaseSeconds": 600 },
                { "id": 200, "name": "red", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ],
                  "dns": ["10.0.0.54"], "mtu": 1400, "leaseSeconds": 600 },
                { "id": 300, "name": "tiny", "subnet": "10.9.0.0/24", "router": "10.9.0.1",
                  "pools": [ { "start": "10.9.0.100", "end": "10.9.0.100" } ],
                  "leaseSeconds": 60, "offerHoldSeconds": 30 },
                { "id": 400, "name": "relayed", "subnet": "10.8.0.0/24", "router": "10.8.0.1",
                  "mode": "relay", "relayServers": ["10.8.0.2"], "relayAddress": "10.8.0.3" } ] }
            """.formatted(servicePort);
    }

    static Policy policy()
    {
        try
        {
            return PolicyFile.parse(json(6767), "test policy");
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
