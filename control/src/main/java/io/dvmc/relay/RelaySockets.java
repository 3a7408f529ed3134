package io.dvmc.relay;

import io.dvmc.config.Addresses;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One UDP socket per relay address, bound to that address and the server port 67: tenant servers answer a relay at
 * giaddr, port 67 (RFC 2131 §4.1), so each relay address needs its own socket, and an answer's socket already
 * tells which relay address (and so which domains) it is for. Opened when a domain first relays; an address the
 * machine does not have, or one another process holds port 67 of, fails to bind (no SO_REUSEADDR: two relays on one
 * address would each get some of the other's answers), and is tried again no sooner than {@link #RETRY_MS} later.
 */
final class RelaySockets implements AutoCloseable
{
    static final int SERVER_PORT = 67;
    static final long RETRY_MS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(RelaySockets.class);

    private final Int2ObjectHashMap<DatagramChannel> byAddress = new Int2ObjectHashMap<>();
    private final Long2LongHashMap failedUntil = new Long2LongHashMap(0);
    private final List<DatagramChannel> open = new ArrayList<>();
    private Consumer<DatagramChannel> onOpen = channel -> {
    };

    /** Told of each socket opened from now on, on the thread that opened it. */
    void onOpen(final Consumer<DatagramChannel> onOpen)
    {
        this.onOpen = onOpen;
    }

    /**
     * The socket this service relays from for a domain of {@code relayAddresses}: the first of them it holds already,
     * else the first it can bind. A replica so keeps the address it got, and replicas sharing a machine each take
     * one of their own (a bound address fails the others' binds).
     *
     * @return the address ({@link #held} gives its socket), or 0 when none can be bound
     */
    int relayFrom(final List<Integer> relayAddresses, final long nowMs)
    {
        for (int i = 0; i < relayAddresses.size(); i++)
        {
            if (byAddress.containsKey(relayAddresses.get(i).intValue()))
            {
                return relayAddresses.get(i);
            }
        }
        for (int i = 0; i < relayAddresses.size(); i++)
        {
            if (of(relayAddresses.get(i), nowMs) != null)
            {
                return relayAddresses.get(i);
            }
        }
        return 0;
    }

    /** The socket bound to {@code relayAddress}, or null. */
    DatagramChannel held(final int relayAddress)
    {
        return byAddress.get(relayAddress);
    }

    /** The socket of {@code relayAddress}, or null when it cannot be bound (logged at each try). */
    DatagramChannel of(final int relayAddress, final long nowMs)
    {
        final DatagramChannel known = byAddress.get(relayAddress);
        if (known != null)
        {
            return known;
        }
        final long key = relayAddress & 0xFFFF_FFFFL;
        if (failedUntil.get(key) > nowMs)
        {
            return null;
        }
        DatagramChannel channel = null;
        try
        {
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.configureBlocking(false);
            channel.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[]{
                (byte)(relayAddress >>> 24), (byte)(relayAddress >>> 16), (byte)(relayAddress >>> 8),
                (byte)relayAddress}), SERVER_PORT));
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            failedUntil.put(key, nowMs + RETRY_MS);
            LOG.error("relay address {}:{} cannot be bound ({}): its relay domains are not served here",
                Addresses.ipv4(relayAddress), SERVER_PORT, ex.getMessage());
            return null;
        }
        failedUntil.remove(key);
        byAddress.put(relayAddress, channel);
        open.add(channel);
        onOpen.accept(channel);
        LOG.info("relaying from {}:{}", Addresses.ipv4(relayAddress), SERVER_PORT);
        return channel;
    }

    /** The sockets open, for receiving. */
    List<DatagramChannel> open()
    {
        return open;
    }

    public void close()
    {
        for (final DatagramChannel channel : open)
        {
            closeQuietly(channel);
        }
        open.clear();
        byAddress.clear();
    }

    private static void closeQuietly(final DatagramChannel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Closing on failure or shutdown: nothing left to do with it.
        }
    }
}
