package io.dvmc.service;

import org.agrona.collections.Long2ObjectHashMap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;

/**
 * Socket addresses of VM locations (patent field 220: host address + agent port), made once per location and
 * reused, so replying allocates nothing in the steady state. Bounded: cleared when it reaches its capacity.
 */
final class ReplyTargets
{
    private final Long2ObjectHashMap<InetSocketAddress> cache = new Long2ObjectHashMap<>();
    private final int capacity;

    ReplyTargets(final int capacity)
    {
        this.capacity = capacity;
    }

    /** The socket address of a {@link DvmcService#target}. */
    SocketAddress resolve(final long key)
    {
        final int address = (int)(key >>> 16);
        final int port = (int)key & 0xFFFF;
        InetSocketAddress target = cache.get(key);
        if (target == null)
        {
            if (cache.size() >= capacity)
            {
                cache.clear();
            }
            try
            {
                target = new InetSocketAddress(InetAddress.getByAddress(new byte[]{
                    (byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address}), port);
            }
            catch (final UnknownHostException ex)
            {
                // Four bytes are always a valid IPv4 address.
                throw new IllegalStateException(ex);
            }
            cache.put(key, target);
        }
        return target;
    }
}
