package io.dvmc.dataplane;

import io.dvmc.ipc.DhcpRequestMessage;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReleaseHoldsTest
{
    private static final int DOMAIN = 100;
    private static final long VM = 0x0200_0000_6401L;
    private static final long OTHER_VM = 0x0200_0000_6402L;
    private static final long RELEASED_MS = 1_000_000L;
    private static final long RUN_OUT_MS = RELEASED_MS + DhcpRequestMessage.MAX_AGE_MS + 1_001;

    @Test
    void aReleasedVmIsHeldOffTheFastPathUntilTheAgentCanNoLongerPassItsReleaseOn()
    {
        final ReleaseHolds holds = new ReleaseHolds(16);
        assertTrue(holds.hold(DOMAIN, VM, RELEASED_MS));

        assertTrue(holds.isHeld(DOMAIN, VM, RELEASED_MS + DhcpRequestMessage.MAX_AGE_MS));
        assertFalse(holds.isHeld(DOMAIN, OTHER_VM, RELEASED_MS));
        assertFalse(holds.isHeld(DOMAIN + 1, VM, RELEASED_MS));
        assertFalse(holds.isHeld(DOMAIN, VM, RUN_OUT_MS));
    }

    @Test
    void aSharedTableWhoseHoldsHaveAllRunOutAnswersEveryLaneWithoutTakingItsLock() throws Exception
    {
        final ReleaseHolds holds = ReleaseHolds.shared(16);
        assertTrue(holds.hold(DOMAIN, VM, RELEASED_MS));
        final CountDownLatch locked = new CountDownLatch(1);
        final CountDownLatch unlock = new CountDownLatch(1);
        final Thread otherLane = Thread.ofPlatform().daemon().start(() -> {
            synchronized (holds)
            {
                locked.countDown();
                awaitQuietly(unlock);
            }
        });
        try
        {
            assertTrue(locked.await(10, TimeUnit.SECONDS));

            // The other VM's frame: the table still holds VM's expired entry, which no lookup has removed.
            final CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(
                () -> holds.isHeld(DOMAIN, OTHER_VM, RUN_OUT_MS));

            assertFalse(held.get(10, TimeUnit.SECONDS), "a frame waited for the lock of a table of expired holds");
        }
        finally
        {
            unlock.countDown();
            otherLane.join();
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
