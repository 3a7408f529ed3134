package io.dvmc.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateTableTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void anIdleKeyMaySendItsBurstAtOnceAndThenOnePerInterval()
    {
        final RateTable table = new RateTable(64, 2.0, 3);
        assertTrue(table.tryAcquire(7, 0));
        assertTrue(table.tryAcquire(7, 0));
        assertTrue(table.tryAcquire(7, 0));
        assertFalse(table.tryAcquire(7, 0));
        assertFalse(table.tryAcquire(7, SECOND / 2 - 1));
        assertTrue(table.tryAcquire(7, SECOND / 2));
        assertFalse(table.tryAcquire(7, SECOND / 2));
    }

    @Test
    void aKeyIdleLongEnoughHasItsWholeBurstAgainButNoMore()
    {
        final RateTable table = new RateTable(64, 1.0, 2);
        assertTrue(table.tryAcquire(1, 0));
        assertTrue(table.tryAcquire(1, 0));
        final long later = 3_600 * SECOND;
        assertTrue(table.tryAcquire(1, later));
        assertTrue(table.tryAcquire(1, later));
        assertFalse(table.tryAcquire(1, later));
    }

    @Test
    void keysAreLimitedIndependently()
    {
        final RateTable table = new RateTable(64, 1.0, 1);
        assertTrue(table.tryAcquire(1, 0));
        assertFalse(table.tryAcquire(1, 0));
        assertTrue(table.tryAcquire(2, 0));
        assertTrue(table.tryAcquire(0, 0));
        assertFalse(table.tryAcquire(0, 0));
    }

    @Test
    void aFullTableStillAdmitsANewKeyByReplacingTheKeyLimitedLeast()
    {
        final RateTable table = new RateTable(16, 1.0, 1);
        for (long key = 1; key <= 1_000; key++)
        {
            assertTrue(table.tryAcquire(key, key), "key " + key);
        }
    }

    @Test
    void aMonotonicClockNearItsWrapIsHandled()
    {
        final RateTable table = new RateTable(64, 1.0, 1);
        final long nearWrap = Long.MAX_VALUE - SECOND / 2;
        assertTrue(table.tryAcquire(5, nearWrap));
        assertFalse(table.tryAcquire(5, nearWrap + SECOND / 4));
        assertTrue(table.tryAcquire(5, nearWrap + SECOND));
    }
}
