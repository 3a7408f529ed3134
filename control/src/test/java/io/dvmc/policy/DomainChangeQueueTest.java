package io.dvmc.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DomainChangeQueueTest
{
    private final List<Integer> domains = new ArrayList<>();
    private int all;

    private int drain(final DomainChangeQueue queue)
    {
        return queue.drain(domains::add, () -> all++);
    }

    @Test
    void changedDomainsReachTheConsumerInOrderOnce()
    {
        final DomainChangeQueue queue = new DomainChangeQueue(8);
        queue.domainsChanged(new int[]{100, 200});
        queue.domainsChanged(new int[]{-1});

        assertEquals(3, drain(queue));
        assertEquals(List.of(100, 200, -1), domains);
        assertEquals(0, drain(queue));
        assertEquals(0, all);
    }

    @Test
    void changesLostToAFullQueueTellTheConsumerThatEverythingMayHaveChanged()
    {
        final DomainChangeQueue queue = new DomainChangeQueue(2);
        queue.domainsChanged(new int[]{100, 200, 300});

        drain(queue);
        assertEquals(1, all);
        assertEquals(List.of(), domains);
        queue.domainsChanged(new int[]{400});
        drain(queue);
        assertEquals(List.of(400), domains);
        assertEquals(1, all);
    }
}
