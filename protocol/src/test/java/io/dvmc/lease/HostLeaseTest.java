package io.dvmc.lease;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostLeaseTest
{
    @Test
    void theHostCountsItsHostLeaseAThousandthShorterThanTheServiceGrantedIt()
    {
        assertEquals(2_397_600, HostLease.hostLeaseMillis(2400));
    }

    @Test
    void aShortHostLeaseIsCountedAtLeastASecondShorter()
    {
        assertEquals(59_000, HostLease.hostLeaseMillis(60));
        assertEquals(0, HostLease.hostLeaseMillis(1));
        assertEquals(0, HostLease.hostLeaseMillis(0));
    }

    @Test
    void theHostLeaseIsAnUnsignedNumberOfSeconds()
    {
        assertEquals(0xFFFF_FFFFL * 1000 - 0xFFFF_FFFFL, HostLease.hostLeaseMillis(-1));
    }
}
