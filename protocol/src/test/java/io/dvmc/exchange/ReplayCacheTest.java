package io.dvmc.exchange;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayCacheTest
{
    private static final long WINDOW = 30_000;
    private static final long START = 1_700_000_000_000L;
    private static final long SENDER = 0x7F00_0001_1388L;

    @Test
    void aServiceAtTwentyThousandRequestsASecondForAMinuteAndAHalfIsNeverRefused()
    {
        // The service's former cache of 524,288 entries refused everything new after ~26 s at this rate.
        final ReplayCache cache = new ReplayCache(Authenticator.DEFAULT_REPLAY_CAPACITY, WINDOW);
        final int perMs = 20;
        long xid = 0;
        for (long t = START; t < START + 90_000; t++)
        {
            for (int i = 0; i < perMs; i++)
            {
                assertEquals(DvmcError.OK, cache.check(SENDER, ++xid, DvmcMessageType.REQUEST, t, t), "at " + t);
            }
        }
        assertTrue(cache.size() <= 3 * WINDOW * perMs, "remembers at most three windows: " + cache.size());
    }

    @Test
    void aMessageIsAReplayForAsLongAsItsStampIsAccepted()
    {
        final ReplayCache cache = new ReplayCache(1_000, WINDOW);
        final long aheadStamp = START + WINDOW;
        assertEquals(DvmcError.OK, cache.check(SENDER, 1, DvmcMessageType.REQUEST, aheadStamp, START));
        for (long now = START; now <= aheadStamp + WINDOW; now += 1_000)
        {
            // Other traffic moves the generations on meanwhile.
            cache.check(SENDER, 1_000 + now, DvmcMessageType.REQUEST, now, now);
            assertEquals(DvmcError.REPLAY, cache.check(SENDER, 1, DvmcMessageType.REQUEST, aheadStamp, now),
                "at +" + (now - START));
        }
        assertEquals(DvmcError.STALE,
            cache.check(SENDER, 1, DvmcMessageType.REQUEST, aheadStamp, aheadStamp + WINDOW + 1));
    }

    @Test
    void theSameTransactionWithAnotherTypeStampOrSenderIsNew()
    {
        final ReplayCache cache = new ReplayCache(1_000, WINDOW);
        assertEquals(DvmcError.OK, cache.check(SENDER, 7, DvmcMessageType.DISCOVER, START, START));
        assertEquals(DvmcError.OK, cache.check(SENDER, 7, DvmcMessageType.REQUEST, START, START));
        assertEquals(DvmcError.OK, cache.check(SENDER, 7, DvmcMessageType.DISCOVER, START + 1, START));
        assertEquals(DvmcError.OK, cache.check(SENDER + 1, 7, DvmcMessageType.DISCOVER, START, START));
        assertEquals(DvmcError.REPLAY, cache.check(SENDER, 7, DvmcMessageType.DISCOVER, START, START + 5));
    }

    @Test
    void forgottenGenerationsGiveTheirRoomBack()
    {
        final ReplayCache cache = new ReplayCache(100, WINDOW);
        for (int i = 0; i < 100; i++)
        {
            assertEquals(DvmcError.OK, cache.check(SENDER, i, DvmcMessageType.REQUEST, START, START));
        }
        assertEquals(DvmcError.REPLAY_CACHE_FULL, cache.check(SENDER, 100, DvmcMessageType.REQUEST, START, START));

        final long later = START + 3 * WINDOW;
        assertEquals(DvmcError.OK, cache.check(SENDER, 100, DvmcMessageType.REQUEST, later, later));
        assertEquals(1, cache.size());
    }
}
