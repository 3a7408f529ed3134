package io.dvmc.ipc;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StalledRingGuardTest
{
    private static final long TIMEOUT_NS = 1_000_000_000L;

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
    private final StalledRingGuard guard = new StalledRingGuard(ring, TIMEOUT_NS);
    private final List<Integer> read = new ArrayList<>();
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);

    private int drain()
    {
        return ring.read((type, buffer, index, length) -> read.add(buffer.getInt(index)));
    }

    private void write(final int value)
    {
        message.putInt(0, value);
        ring.write(1, message, 0, 8);
    }

    @Test
    void aRecordClaimedByAProducerThatDiedIsSkippedAfterTheTimeoutAndLaterRecordsAreRead()
    {
        write(1);
        ring.tryClaim(1, 8);
        write(3);

        assertEquals(1, drain());
        assertEquals(0, drain(), "the dead producer's claim blocks the consumer");
        assertEquals(0, guard.check(0));
        assertEquals(0, guard.check(TIMEOUT_NS - 1), "a slow live producer is given its time");
        assertEquals(1, guard.check(TIMEOUT_NS));
        drain();
        assertEquals(List.of(1, 3), read);
        assertEquals(1, guard.unblocked());
    }

    @Test
    void aRingThatKeepsMovingIsNeverUnblocked()
    {
        for (int i = 0; i < 10; i++)
        {
            write(i);
            assertEquals(0, guard.check(i * TIMEOUT_NS));
            drain();
            assertEquals(0, guard.check(i * TIMEOUT_NS + 1));
        }
        assertEquals(0, guard.unblocked());
    }
}
