package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Off-heap room of {@code slotBytes} for each slot of a table of transactions in flight, taken {@link #CHUNK_SLOTS}
 * slots at a time when a slot of a chunk is first used. A table hands out its lowest free slot first, so the memory
 * follows the most that were ever in flight at once: the tables are sized for a storm (16,384 slots by default),
 * and clearing all of it up front (about 60 MiB for an agent's two tables) was a quarter of a second of every
 * restart. After the first use of a chunk nothing is allocated.
 *
 * <pre>
 *   chunk 0: | slot 0 | slot 1 | ... | slot 63 |   chunk 1: | slot 64 | ... |   chunk 2: not yet used
 * </pre>
 */
public final class SlotMemory
{
    public static final int CHUNK_SLOTS = 64;

    private final int slotBytes;
    private final UnsafeBuffer[] buffers;

    public SlotMemory(final int slots, final int slotBytes)
    {
        if (slots < 1 || slotBytes < 1 || (long)slotBytes * CHUNK_SLOTS > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("slots and slot size must be positive, a chunk under 2 GiB");
        }
        this.slotBytes = slotBytes;
        buffers = new UnsafeBuffer[(slots + CHUNK_SLOTS - 1) / CHUNK_SLOTS];
    }

    /** The buffer that holds {@code slot}, at {@link #offset(int)}. */
    public UnsafeBuffer buffer(final int slot)
    {
        final int chunk = slot / CHUNK_SLOTS;
        UnsafeBuffer buffer = buffers[chunk];
        if (buffer == null)
        {
            buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(CHUNK_SLOTS * slotBytes));
            buffers[chunk] = buffer;
        }
        return buffer;
    }

    /** Where {@code slot} starts in its {@link #buffer(int)}. */
    public int offset(final int slot)
    {
        return (slot % CHUNK_SLOTS) * slotBytes;
    }

    /** How many chunks hold memory: those of the slots used so far. */
    public int chunks()
    {
        int chunks = 0;
        for (final UnsafeBuffer buffer : buffers)
        {
            chunks += buffer != null ? 1 : 0;
        }
        return chunks;
    }
}
