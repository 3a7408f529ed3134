package io.dvmc.exchange;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlotMemoryTest
{
    private static final int SLOT_BYTES = DvmcMessage.MAX_LENGTH;

    @Test
    void aTableSizedForAStormHoldsMemoryOnlyForTheChunksOfTheSlotsItUsed()
    {
        final SlotMemory memory = new SlotMemory(16_384, SLOT_BYTES);
        assertEquals(0, memory.chunks());
        memory.buffer(0).putLong(memory.offset(0), 1);
        memory.buffer(SlotMemory.CHUNK_SLOTS - 1).putLong(memory.offset(SlotMemory.CHUNK_SLOTS - 1), 2);
        assertEquals(1, memory.chunks());
        memory.buffer(16_383).putLong(memory.offset(16_383), 3);
        assertEquals(2, memory.chunks());
    }

    @Test
    void eachSlotKeepsItsOwnBytesWithinAChunkAndAcrossChunks()
    {
        final int slots = 3 * SlotMemory.CHUNK_SLOTS + 5;
        final SlotMemory memory = new SlotMemory(slots, SLOT_BYTES);
        for (int slot = 0; slot < slots; slot++)
        {
            memory.buffer(slot).putInt(memory.offset(slot), slot);
            memory.buffer(slot).putInt(memory.offset(slot) + SLOT_BYTES - Integer.BYTES, ~slot);
        }
        for (int slot = 0; slot < slots; slot++)
        {
            assertEquals(slot, memory.buffer(slot).getInt(memory.offset(slot)), "first bytes of slot " + slot);
            assertEquals(~slot, memory.buffer(slot).getInt(memory.offset(slot) + SLOT_BYTES - Integer.BYTES),
                "last bytes of slot " + slot);
        }
        assertSame(memory.buffer(0), memory.buffer(SlotMemory.CHUNK_SLOTS - 1));
        assertNotSame(memory.buffer(0), memory.buffer(SlotMemory.CHUNK_SLOTS));
    }

    @Test
    void aTableOfNoSlotsIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new SlotMemory(0, SLOT_BYTES));
    }
}
