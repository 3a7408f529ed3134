package io.dvmc.policy;

import io.etcd.jetcd.Watch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress requests on a clock the test turns: a watch that answers lives, one that does not is dead. */
class WatchLivenessTest
{
    private static final long SECOND = 1_000_000_000L;

    private final WatchLiveness liveness = new WatchLiveness(Duration.ofSeconds(5), Duration.ofSeconds(15));
    private final CountingWatcher domains = new CountingWatcher();
    private final CountingWatcher bindings = new CountingWatcher();
    private final List<Watch.Watcher> both = List.of(domains, bindings);

    @Test
    void watchesThatAnswerAreAskedAgainEveryIntervalAndNeverTakenForDead()
    {
        for (long t = 1; t < 120; t++)
        {
            assertFalse(liveness.check(t * SECOND, both));
            liveness.heard(0);
            liveness.heard(1);
        }
        assertEquals(24, domains.progressRequests, "every 5 s over two minutes");
        assertEquals(24, bindings.progressRequests);
        assertEquals(0, liveness.silences());
    }

    @Test
    void oneWatchThatStopsAnsweringIsTakenForDeadOnceTheSilenceLimitHasPassed()
    {
        assertFalse(liveness.check(SECOND, both));
        liveness.heard(0);
        assertFalse(liveness.check(16 * SECOND, both), "15 s is still within the limit");
        assertTrue(liveness.check(16 * SECOND + 1, both));
        assertEquals(1, liveness.silences());
        assertEquals(1, bindings.progressRequests, "no second request while the first is unanswered");
    }

    @Test
    void newWatchesAreAskedAfreshAndNotJudgedByTheirPredecessorsSilence()
    {
        assertFalse(liveness.check(SECOND, both));
        liveness.reset();
        assertFalse(liveness.check(20 * SECOND, both));
        assertEquals(2, domains.progressRequests);
    }

    @Test
    void withNoWatchNothingIsAskedOrJudged()
    {
        assertFalse(liveness.check(SECOND, List.of()));
        assertFalse(liveness.check(100 * SECOND, List.of()));
        assertEquals(0, liveness.silences());
    }

    private static final class CountingWatcher implements Watch.Watcher
    {
        int progressRequests;

        public void close()
        {
        }

        public boolean isClosed()
        {
            return false;
        }

        public void requestProgress()
        {
            progressRequests++;
        }
    }
}
