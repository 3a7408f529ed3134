package io.dvmc.exchange;

import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The keys that authenticate DVMC messages (DESIGN §4), each with an id so that keys can be rotated one host at a
 * time: a message names its key in the key id field, and a receiver holds every key still in use.
 *
 * <p>A key is either cluster-wide, usable by any agent and service, or belongs to one host: a request signed with a
 * host's key is accepted only when its transaction id names that host (field 200), so a hypervisor whose key leaks
 * cannot speak for another host. A service holds the keys of every host it serves; an agent holds its own.
 */
public final class KeyRing
{
    /** The host of a cluster-wide key. */
    public static final int ANY_HOST = -1;
    /** Key ids travel in 16 bits. */
    public static final int MAX_KEY_ID = 0xFFFF;

    /** One key: its id, the host it belongs to ({@link #ANY_HOST} for a cluster-wide key), its secret. */
    public record Key(int id, int hostId, byte[] secret)
    {
        public Key
        {
            if (id < 0 || id > MAX_KEY_ID)
            {
                throw new IllegalArgumentException("key id " + id + " is outside 0.." + MAX_KEY_ID);
            }
            if (secret == null || secret.length < Authenticator.MIN_KEY_LENGTH)
            {
                throw new IllegalArgumentException("key " + id + ": a key must be at least " +
                    Authenticator.MIN_KEY_LENGTH + " bytes");
            }
            secret = secret.clone();
        }

        public boolean isClusterWide()
        {
            return hostId == ANY_HOST;
        }

        /** Whether a request from {@code host} may be signed with this key. */
        public boolean servesHost(final int host)
        {
            return hostId == ANY_HOST || hostId == host;
        }

        public String scope()
        {
            return isClusterWide() ? "cluster" : "host:" + Integer.toUnsignedString(hostId);
        }
    }

    private final List<Key> keys;
    private final Int2ObjectHashMap<Key> byId = new Int2ObjectHashMap<>();

    public KeyRing(final Collection<Key> keys)
    {
        if (keys.isEmpty())
        {
            throw new IllegalArgumentException("a key ring needs at least one key");
        }
        this.keys = List.copyOf(keys);
        for (final Key k : this.keys)
        {
            if (byId.put(k.id(), k) != null)
            {
                throw new IllegalArgumentException("key id " + k.id() + " is given twice");
            }
        }
    }

    /** One cluster-wide key with id 0: the single shared key of a small installation. */
    public static KeyRing single(final byte[] secret)
    {
        return new KeyRing(List.of(new Key(0, ANY_HOST, secret)));
    }

    public Key key(final int id)
    {
        return byId.get(id);
    }

    public List<Key> keys()
    {
        return keys;
    }

    /**
     * The key an agent of {@code hostId} signs with: the highest id among its own keys and the cluster-wide ones,
     * so that adding a newer key to a host's ring is what rotates it.
     *
     * @throws IllegalArgumentException if no key serves the host.
     */
    public Key signingKeyFor(final int hostId)
    {
        Key best = null;
        for (final Key k : keys)
        {
            if (k.servesHost(hostId) && (best == null || k.id() > best.id()))
            {
                best = k;
            }
        }
        if (best == null)
        {
            throw new IllegalArgumentException("no key for host " + Integer.toUnsignedString(hostId) + " in " +
                describe());
        }
        return best;
    }

    /** "1 (host:7), 2 (cluster)", for messages; never the secrets. */
    public String describe()
    {
        final List<String> parts = new ArrayList<>();
        for (final Key k : keys)
        {
            parts.add(k.id() + " (" + k.scope() + ")");
        }
        return String.join(", ", parts);
    }
}
