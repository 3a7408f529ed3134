package io.dvmc.lease;

import java.nio.ByteOrder;

/** The fixed 4-byte key of the domain store: the domain id, little-endian. */
final class DomainKey
{
    static final int LENGTH = 4;

    private final FixedSlice slice = new FixedSlice(LENGTH);

    DomainKey set(final int domainId)
    {
        slice.buffer().putInt(0, domainId, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    FixedSlice slice()
    {
        return slice;
    }
}
