package io.dvmc.reply;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A bounded, set-associative cache of reply images ({@link ReplyImage}) by {@link TemplateKey}: {@link #WAYS}
 * slots per set, the least recently used one evicted on a miss. Keys, slot fields and images live in primitive
 * arrays and one direct buffer allocated up front, so a lookup allocates nothing. Not thread safe: one per worker.
 */
final class ReplyTemplates
{
    static final int WAYS = 4;
    /** IPv4 and UDP headers and the longest reply ({@link TemplateKey#LIMIT_CLAMP}), rounded up. */
    static final int IMAGE_CAPACITY = 1088;

    // Slot fields, FIELDS ints per slot.
    static final int LENGTH = 0;
    static final int LEASE_AT = 1;
    static final int T1_AT = 2;
    static final int CLIENT_ID_AT = 3;
    static final int VARIABLE_END = 4;
    static final int IP_SUM = 5;
    static final int UDP_SUM = 6;
    private static final int FIELDS = 8;

    private final int setMask;
    private final long[] keys;
    private final long[] lastUse;
    private final int[] fields;
    private final UnsafeBuffer images;
    private long clock;
    private long misses;

    /**
     * @param capacity templates held, rounded up to a power of two of at least {@link #WAYS}.
     */
    ReplyTemplates(final int capacity)
    {
        final int slots = Math.max(WAYS, Integer.highestOneBit(Math.max(1, capacity - 1)) << 1);
        setMask = slots / WAYS - 1;
        keys = new long[slots * TemplateKey.WORDS];
        lastUse = new long[slots];
        fields = new int[slots * FIELDS];
        images = new UnsafeBuffer(ByteBuffer.allocateDirect(slots * IMAGE_CAPACITY));
    }

    /** @return the slot holding the key's template, or -1. */
    int find(final TemplateKey key)
    {
        final int first = (key.hash() & setMask) * WAYS;
        for (int slot = first; slot < first + WAYS; slot++)
        {
            if (key.matches(keys, slot * TemplateKey.WORDS))
            {
                lastUse[slot] = ++clock;
                return slot;
            }
        }
        return -1;
    }

    /**
     * @param key {@link TemplateKey#WORDS} words from {@code at}, as {@link TemplateKey#copyTo} wrote them.
     * @return whether {@code slot} holds that key's template (it may have been evicted since); if so, it is used.
     */
    boolean holds(final int slot, final long[] key, final int at)
    {
        final int from = slot * TemplateKey.WORDS;
        if (!Arrays.equals(keys, from, from + TemplateKey.WORDS, key, at, at + TemplateKey.WORDS))
        {
            return false;
        }
        lastUse[slot] = ++clock;
        return true;
    }

    /**
     * Takes the least recently used slot of the key's set for a new template, emptied until {@link #publish}.
     *
     * @return the slot.
     */
    int claim(final TemplateKey key)
    {
        misses++;
        final int first = (key.hash() & setMask) * WAYS;
        int victim = first;
        for (int slot = first + 1; slot < first + WAYS; slot++)
        {
            if (lastUse[slot] < lastUse[victim])
            {
                victim = slot;
            }
        }
        Arrays.fill(keys, victim * TemplateKey.WORDS, (victim + 1) * TemplateKey.WORDS, 0L);
        return victim;
    }

    /** Makes a filled slot findable by the key. */
    void publish(final int slot, final TemplateKey key)
    {
        key.copyTo(keys, slot * TemplateKey.WORDS);
        lastUse[slot] = ++clock;
    }

    int field(final int slot, final int field)
    {
        return fields[slot * FIELDS + field];
    }

    void field(final int slot, final int field, final int value)
    {
        fields[slot * FIELDS + field] = value;
    }

    UnsafeBuffer images()
    {
        return images;
    }

    static int imageOffset(final int slot)
    {
        return slot * IMAGE_CAPACITY;
    }

    /** Templates built so far (each miss builds one). */
    long misses()
    {
        return misses;
    }
}
