package io.dvmc.wake;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WaitingIdleStrategyTest
{
    /** Far longer than any test waits: a loop that returns woke for its event, not for its timeout. */
    private static final int TIMEOUT_MS = 120_000;
    private static final long WAKE_BOUND_MS = 20_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception
    {
        for (final AutoCloseable c : closing)
        {
            c.close();
        }
    }

    @Test
    void aSleepingLoopWakesForADatagramOnItsSocketRatherThanForItsTimeout() throws Exception
    {
        final DatagramChannel socket = channel();
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.waitOn(socket);
        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);

        try (DatagramChannel sender = DatagramChannel.open())
        {
            sender.send(ByteBuffer.wrap(new byte[]{1}), socket.getLocalAddress());
        }

        assertTrue(sleeper.awaitWoken(), "the loop still sleeps after a datagram arrived on its socket");
    }

    @Test
    void aRingFromAnotherThreadWakesTheLoopAndARingWhileItWorksWakesItsNextSleepAtOnce() throws Exception
    {
        final Doorbell doorbell = new Doorbell();
        closing.add(doorbell);
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.wakeBy(doorbell);
        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);

        doorbell.ring();
        assertTrue(sleeper.awaitWoken(), "the loop still sleeps after its doorbell rang");

        doorbell.ring();
        final Sleeper next = Sleeper.start(idle);
        assertTrue(next.awaitWoken(), "a ring made while the loop was awake was lost");
    }

    @Test
    void aProducerOfAnotherProcessRingsOnlyWhileTheLoopSleepsAndItsRingWakesTheLoop() throws Exception
    {
        final UnsafeBuffer shared = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final Path fifo = dir.resolve("to-agent.wake");
        final SharedDoorbell waiter = SharedDoorbell.waiter(fifo, shared, 0);
        final SharedDoorbell ringer = SharedDoorbell.ringer(fifo, shared, 0);
        closing.add(ringer);
        closing.add(waiter);
        final AtomicBoolean record = new AtomicBoolean();
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.wakeBy(waiter, record::get);

        assertFalse(ringer.ring(), "rang while the loop was awake");
        assertEquals(0, ringer.rings());

        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);
        assertTrue(waiter.armed(), "a sleeping loop did not say so");
        record.set(true);
        assertTrue(ringer.ring(), "did not ring a sleeping loop");

        assertTrue(sleeper.awaitWoken(), "the loop still sleeps after the producer rang");
        assertFalse(waiter.armed(), "an awake loop still asks to be rung");
        assertEquals(1, ringer.rings());
    }

    @Test
    void aLoopThatFindsARecordAfterSayingItSleepsDoesNotSleep() throws IOException
    {
        final UnsafeBuffer shared = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final SharedDoorbell waiter = SharedDoorbell.waiter(dir.resolve("to-agent.wake"), shared, 0);
        closing.add(waiter);
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        // The record a producer wrote just before the loop armed its doorbell: that producer saw it unarmed.
        idle.wakeBy(waiter, () -> true);

        idle.idle(0);

        assertEquals(0, idle.sleeps());
        assertFalse(waiter.armed());
    }

    @Test
    void aProducerOutlivesTheLoopsKillAndWakesTheLoopThatTakesItsPlace() throws Exception
    {
        final UnsafeBuffer shared = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final Path fifo = dir.resolve("to-agent.wake");
        final SharedDoorbell ringer = SharedDoorbell.ringer(fifo, shared, 0);
        closing.add(ringer);
        final SharedDoorbell killed = SharedDoorbell.waiter(fifo, shared, 0);
        killed.arm();
        assertTrue(ringer.ring());
        // Killed with -9 while asleep: its descriptor is gone, the shared word says it sleeps.
        LinuxCalls.close(killed.fd());
        killed.arm();

        assertFalse(ringer.ring(), "rang a loop that is gone");
        assertEquals(1, ringer.ringFailures());

        final SharedDoorbell next = SharedDoorbell.waiter(fifo, shared, 0);
        closing.add(next);
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.wakeBy(next, () -> false);
        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);
        assertTrue(ringer.ring(), "did not ring the loop that took the killed one's place");
        assertTrue(sleeper.awaitWoken());
    }

    @Test
    void aWaiterRestartedOnTheFifoItsPredecessorMadeOpensItEveryTime() throws IOException
    {
        final UnsafeBuffer shared = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final Path fifo = dir.resolve("to-agent.wake");
        // An agent's every restart finds the FIFO there: mkfifo fails with EEXIST, which must be read as such (an agent
        // restarted in CrashRecoveryTest once read EAGAIN instead, and exited).
        for (int restart = 0; restart < 200; restart++)
        {
            SharedDoorbell.waiter(fifo, shared, 0).close();
        }
        assertTrue(Files.exists(fifo));
    }

    @Test
    void aFileInTheFifosPlaceIsRefusedWithWhatToDo() throws IOException
    {
        final Path fifo = dir.resolve("to-agent.wake");
        Files.writeString(fifo, "not a fifo");

        final IOException ex = assertThrows(IOException.class,
            () -> SharedDoorbell.waiter(fifo, new UnsafeBuffer(ByteBuffer.allocateDirect(64)), 0));

        assertTrue(ex.getMessage().contains("is not a FIFO"), ex.getMessage());
    }

    @Test
    void aBusyThreadOfThisProcessRingsOnlyWhileTheLoopSleepsAndItsRingWakesTheLoop() throws Exception
    {
        final Doorbell doorbell = new Doorbell();
        closing.add(doorbell);
        final AtomicBoolean queued = new AtomicBoolean();
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.wakeBy(doorbell, queued::get);

        doorbell.ringIfArmed();
        final WaitSet probe = new WaitSet();
        probe.add(doorbell.fd());
        assertEquals(0, probe.await(0), "rang a loop that was awake");

        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);
        queued.set(true);
        doorbell.ringIfArmed();

        assertTrue(sleeper.awaitWoken(), "the loop still sleeps after a frame was queued for it");
        assertEquals(0, probe.await(0), "the woken loop left the ring behind");
        queued.set(false);
    }

    @Test
    void aPortsDescriptorClosedUnderTheLoopIsLeftOutAndCountedRatherThanEndingEverySleep()
    {
        final Doorbell port = new Doorbell();
        final int fd = port.fd();
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, 20);
        idle.waitOn(fd);
        port.close();

        idle.idle(0);
        assertEquals(1, idle.failedDescriptors());

        idle.idle(0);
        assertEquals(1, idle.failedDescriptors(), "the closed descriptor ended a second sleep");
        assertEquals(2, idle.sleeps());
    }

    @Test
    void aPortsDoorbellClosedUnderTheLoopIsLeftOutAndCountedAndAForgottenOneNoLongerWakesIt()
    {
        final Doorbell closed = new Doorbell();
        final Doorbell forgotten = new Doorbell();
        closing.add(forgotten);
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, 20);
        idle.waitOn(closed, () -> false);
        idle.waitOn(forgotten, () -> false);
        closed.close();

        idle.idle(0);
        assertEquals(1, idle.failedDescriptors());
        idle.idle(0);
        assertEquals(1, idle.failedDescriptors(), "the closed doorbell ended a second sleep");

        idle.forget(forgotten);
        forgotten.ring();
        final long start = System.nanoTime();
        idle.idle(0);
        // poll(2) never returns before its timeout unless a descriptor is ready.
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20),
            "the forgotten doorbell, rung, still woke the loop");
        assertEquals(3, idle.sleeps());
    }

    @Test
    void aPortsDoorbellWhoseCallFailedIsLeftOutAndCountedRatherThanKeepingTheLoopAwake()
    {
        final Doorbell bell = new Doorbell();
        closing.add(bell);
        final AtomicBoolean failed = new AtomicBoolean();
        // A port's rx interrupt whose arming failed: it says it has work, so the loop never sleeps on it.
        final ArmedDoorbell interrupt = new ArmedDoorbell()
        {
            public int fd()
            {
                return bell.fd();
            }

            public void arm()
            {
                failed.set(true);
            }

            public void disarm()
            {
            }

            public void drain()
            {
                bell.drain();
            }

            public boolean failed()
            {
                return failed.get();
            }
        };
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, 20);
        idle.waitOn(interrupt, failed::get);

        idle.idle(0);
        assertEquals(0, idle.sleeps(), "the loop slept on a doorbell that said it had work");
        assertEquals(1, idle.failedDescriptors());

        idle.idle(0);
        assertEquals(1, idle.sleeps(), "the failed doorbell still kept the loop awake");
        assertEquals(1, idle.failedDescriptors());
    }

    @Test
    void aSleepIsCountedAsItBeginsSoThatALoopAsleepSinceItsStartShowsIt() throws InterruptedException
    {
        final Doorbell bell = new Doorbell();
        closing.add(bell);
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, TIMEOUT_MS);
        idle.wakeBy(bell);
        final AtomicCounter counted = new CountersManager(
            new UnsafeBuffer(new byte[1 << 14]), new UnsafeBuffer(new byte[1 << 12])).newCounter("loop sleeps");
        idle.countSleepsIn(counted);
        final Sleeper sleeper = Sleeper.start(idle);
        sleeper.awaitAsleep(idle);

        assertEquals(1, counted.get(), "a loop asleep shows no sleep");

        bell.ring();
        assertTrue(sleeper.awaitWoken());
        assertEquals(1, counted.get());
    }

    @Test
    void aForgottenDescriptorNoLongerWakesTheLoop() throws IOException
    {
        final DatagramChannel socket = channel();
        final WaitSet set = new WaitSet();
        final int fd = Descriptors.of(socket);
        final Doorbell other = new Doorbell();
        closing.add(other);
        set.add(other.fd());
        set.add(fd);
        try (DatagramChannel sender = DatagramChannel.open())
        {
            sender.send(ByteBuffer.wrap(new byte[]{1}), socket.getLocalAddress());
        }
        assertEquals(1, set.await(1_000));

        set.remove(fd);

        assertEquals(0, set.await(0));
        assertFalse(set.readable(fd));
        other.ring();
        assertEquals(1, set.await(0), "the descriptor left in the set no longer wakes it");
    }

    private DatagramChannel channel() throws IOException
    {
        final DatagramChannel channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        closing.add(channel);
        return channel;
    }

    /** A thread that calls {@code idle(0)} once, as a loop that found no work does. */
    private static final class Sleeper
    {
        private final Thread thread;

        private Sleeper(final Thread thread)
        {
            this.thread = thread;
        }

        static Sleeper start(final WaitingIdleStrategy idle)
        {
            return new Sleeper(Thread.ofPlatform().daemon().start(() -> idle.idle(0)));
        }

        /** Until the thread is in the kernel's wait: its sleep count went up and it is no longer runnable. */
        void awaitAsleep(final WaitingIdleStrategy idle) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAKE_BOUND_MS);
            while (idle.sleeps() == 0 || thread.getState() == Thread.State.RUNNABLE && !inPoll())
            {
                if (System.nanoTime() > deadline || !thread.isAlive())
                {
                    throw new AssertionError("the loop did not go to sleep");
                }
                Thread.onSpinWait();
            }
        }

        private boolean inPoll()
        {
            for (final StackTraceElement e : thread.getStackTrace())
            {
                if (e.getClassName().equals(WaitSet.class.getName()))
                {
                    return true;
                }
            }
            return false;
        }

        boolean awaitWoken() throws InterruptedException
        {
            thread.join(WAKE_BOUND_MS);
            return !thread.isAlive();
        }
    }
}
