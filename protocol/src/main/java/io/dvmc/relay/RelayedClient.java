package io.dvmc.relay;

/**
 * A client behind a relay has no VM binding: its key is (domain, chaddr). Where the host keeps a VM id (the slow
 * path's request, the lease record), a relayed client's is derived from that key: the domain in the high half
 * with a fixed low word, the MAC in the low half. Its variant bits are 00, which no RFC 4122 UUID (variant 10),
 * and so no VM id of a binding, has: the agent tells a relayed client from a bound VM without a lookup.
 */
public final class RelayedClient
{
    private static final long MARK = 0x0D76L;

    private RelayedClient()
    {
    }

    /** @return the most significant half of the id of a relayed client of the domain. */
    public static long vmMsb(final int domainId)
    {
        return (domainId & 0xFFFF_FFFFL) << 32 | MARK;
    }

    /** @return the least significant half of the id of the relayed client with this MAC. */
    public static long vmLsb(final long mac)
    {
        return mac & 0xFFFF_FFFF_FFFFL;
    }

    public static boolean isRelayed(final long vmMsb, final long vmLsb)
    {
        return (vmMsb & 0xFFFF_FFFFL) == MARK && vmLsb >>> 48 == 0;
    }
}
