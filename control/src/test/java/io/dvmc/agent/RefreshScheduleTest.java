package io.dvmc.agent;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefreshScheduleTest
{
    @Test
    void leasesComeOutEarliestFirstAndOnlyOnceTheirTimeHasCome()
    {
        final int count = 5_000;
        final RefreshSchedule schedule = new RefreshSchedule(count);
        final Random random = new Random(7);
        for (int i = 0; i < count; i++)
        {
            final long due = random.nextInt(1_000_000);
            // The MAC carries the due time, to check that each lease comes out with its own.
            schedule.schedule(due, i, due << 16 | i);
        }
        assertEquals(count, schedule.size());
        assertFalse(schedule.takeDue(-1), "nothing is due before its time");

        long last = -1;
        int taken = 0;
        while (schedule.takeDue(Long.MAX_VALUE - 1))
        {
            final long due = schedule.takenMac() >>> 16;
            assertTrue(due >= last, due + " came out after " + last);
            assertEquals(schedule.takenMac() & 0xFFFF, schedule.takenDomain());
            last = due;
            taken++;
        }
        assertEquals(count, taken);
        assertEquals(Long.MAX_VALUE, schedule.nextDue());
    }

    @Test
    void aLeaseScheduledAgainKeepsOneEntryAtItsNewTimeAndAnUnscheduledOneNone()
    {
        final RefreshSchedule schedule = new RefreshSchedule(4);
        schedule.schedule(300, 1, 0x0200_0000_0003L);
        schedule.schedule(100, 1, 0x0200_0000_0001L);
        schedule.schedule(200, 2, 0x0200_0000_0002L);
        schedule.schedule(400, 1, 0x0200_0000_0001L);
        schedule.unschedule(1, 0x0200_0000_0003L);
        schedule.unschedule(1, 0x0200_0000_0099L);

        assertEquals(2, schedule.size());
        assertTrue(schedule.takeDue(250));
        assertEquals(2, schedule.takenDomain());
        assertFalse(schedule.takeDue(399), "the lease scheduled again is due at its new time only");
        assertTrue(schedule.takeDue(400));
        assertEquals(0x0200_0000_0001L, schedule.takenMac());
        assertEquals(0, schedule.size());
    }

    @Test
    void aFullScheduleRefusesANewLeaseAndTakesOneAgainOnceAnotherLeft()
    {
        final RefreshSchedule schedule = new RefreshSchedule(2);
        assertTrue(schedule.schedule(1, 1, 1));
        assertTrue(schedule.schedule(2, 1, 2));
        assertFalse(schedule.schedule(3, 1, 3));
        assertTrue(schedule.schedule(5, 1, 2), "a lease it holds moves");

        assertTrue(schedule.takeDue(1));
        assertTrue(schedule.schedule(3, 1, 3));
        assertEquals(3, schedule.nextDue());
    }

    @Test
    void keysThatCollideSurviveTheRemovalOfTheOnesBeforeThem()
    {
        final int count = 2_000;
        final RefreshSchedule schedule = new RefreshSchedule(count);
        for (int i = 0; i < count; i++)
        {
            schedule.schedule(i, 7, 0x0200_0000_0000L + i);
        }
        // Every other one goes: the probes of those after them must still find them.
        for (int i = 0; i < count; i += 2)
        {
            schedule.unschedule(7, 0x0200_0000_0000L + i);
        }
        for (int i = 1; i < count; i += 2)
        {
            assertTrue(schedule.schedule(count + i, 7, 0x0200_0000_0000L + i));
        }
        assertEquals(count / 2, schedule.size(), "each odd lease moved, none added twice");
        for (int i = 1; i < count; i += 2)
        {
            assertTrue(schedule.takeDue(Long.MAX_VALUE - 1));
            assertEquals(0x0200_0000_0000L + i, schedule.takenMac());
        }
    }
}
