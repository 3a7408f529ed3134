package io.dvmc.agent;

import io.dvmc.lease.StoreFailedException;
import io.dvmc.lease.StoreLockTimeoutException;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostAgentMainTest
{
    @Test
    void aStoreThatCouldNotBeMappedAgainEndsTheAgentWhereverItIsWrapped()
    {
        final StoreFailedException failed = new StoreFailedException("cannot map leases.dat again",
            new IOException("Is a directory"));
        assertTrue(HostAgentMain.isFatal(failed));
        assertTrue(HostAgentMain.isFatal(new IllegalStateException("while renewing", failed)));
    }

    @Test
    void aRecoveryThatTimedOutOrAnyOtherErrorIsCountedAndTheAgentGoesOn()
    {
        assertFalse(HostAgentMain.isFatal(new StoreLockTimeoutException("readers still hold leases.dat.lock")));
        assertFalse(HostAgentMain.isFatal(new IllegalArgumentException("bad frame")));
    }
}
