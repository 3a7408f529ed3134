package io.dvmc.service;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reconstructs a journal record damaged in one byte: the CRC32C of a 64-byte record tells a single-byte change
 * apart from any other (CRC-32C detects every error burst up to 32 bits), so when exactly one single-byte change
 * makes the record valid, that is what was written. Only tells the operator, through the quarantine, which lease
 * a damaged record held; never used to restore a lease on its own.
 */
final class RecordRepair
{
    private final byte[] bytes = new byte[JournalRecord.LENGTH];
    private final UnsafeBuffer view = new UnsafeBuffer(bytes);
    private final JournalRecord record = new JournalRecord();

    /**
     * @param source the 64 bytes as read, at {@code offset}.
     * @return the repaired record, or null if no single-byte change, or more than one, makes it valid.
     */
    JournalRecord repair(final UnsafeBuffer source, final int offset)
    {
        source.getBytes(offset, bytes);
        record.wrap(view, 0);
        if (record.isValid())
        {
            return record;
        }
        int found = -1;
        int foundValue = 0;
        for (int i = 0; i < JournalRecord.LENGTH; i++)
        {
            final byte original = bytes[i];
            for (int v = 0; v < 256; v++)
            {
                if ((byte)v == original)
                {
                    continue;
                }
                bytes[i] = (byte)v;
                if (record.isValid())
                {
                    if (found >= 0)
                    {
                        bytes[i] = original;
                        return null;
                    }
                    found = i;
                    foundValue = v;
                }
            }
            bytes[i] = original;
        }
        if (found < 0)
        {
            return null;
        }
        bytes[found] = (byte)foundValue;
        return record;
    }
}
