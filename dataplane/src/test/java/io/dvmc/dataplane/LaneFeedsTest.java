package io.dvmc.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lane 0 passes the agent's messages on to the other lanes: none lost, none duplicated, in order, wrap or not. */
class LaneFeedsTest
{
    @Test
    void aMessageEveryLaneHasRoomForIsPassedOnWholeAndInOrderAcrossManyWrapsOfTheRings()
    {
        final LaneFeeds feeds = new LaneFeeds(3, 4096);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[512]);
        final Random random = new Random(7);
        final List<List<Integer>> received = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int sent = 0;
        int refused = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final int length = 4 + random.nextInt(500);
            if (feeds.roomFor(length))
            {
                message.putInt(0, sent++);
                feeds.pass(1, message, 0, length);
            }
            else
            {
                refused++;
            }
            // The lanes read at their own pace, lane 2 slower than lane 1.
            for (int lane = 1; lane < 3; lane++)
            {
                if (random.nextInt(lane + 1) == 0)
                {
                    final List<Integer> into = received.get(lane);
                    feeds.feed(lane).read((type, buffer, index, len) -> into.add(buffer.getInt(index)),
                        1 + random.nextInt(3));
                }
            }
        }
        assertTrue(refused > 0, "the rings never filled: the test did not reach the case it is about");
        for (int lane = 1; lane < 3; lane++)
        {
            final List<Integer> into = received.get(lane);
            while (feeds.feed(lane).read((type, buffer, index, len) -> into.add(buffer.getInt(index))) > 0)
            {
                assertTrue(into.size() <= sent);
            }
            assertEquals(sent, into.size(), "lane " + lane);
            for (int i = 0; i < sent; i++)
            {
                assertEquals(i, into.get(i), "lane " + lane + ", message " + i);
            }
        }
        assertTrue(feeds.drained());
    }
}
