package io.dvmc.service;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a client says it is called, recorded with its lease: its host name (option 12, RFC 2132 §3.14) and its FQDN
 * (option 81, RFC 4702 §2), packed as [host name length][host name][FQDN length][FQDN], at most {@link #MAX_LENGTH}
 * bytes with the client identifier an imported lease brings (RFC 2132 §9.14), kept whole after the names as
 * [length][bytes] so that an export gives it back, and after it (its length 0 when there is none) what an imported
 * Kea lease says that dvmc does not use, as [fqdn flags][user context length, 2 bytes][user context]; a lease the
 * service binds itself keeps only its key
 * ({@link ClientKeys}). The FQDN is kept as dotted text: RFC 4702's canonical wire encoding (flag E) is turned into labels joined
 * by dots; its flags and RCODEs are the client's wishes for DNS updates, which dvmc does not make. Reused for every
 * message; single-threaded.
 */
final class ClientNames
{
    /** An imported Kea lease's user context: at most this many bytes of UTF-8 (JSON as Kea wrote it). */
    static final int USER_CONTEXT_MAX = 1024;
    /** Kea's fqdn_fwd and fqdn_rev columns: Kea's DNS updater made the forward (or reverse) record. */
    static final int KEA_FQDN_FWD = 1;
    static final int KEA_FQDN_REV = 2;
    /** The names, then an optional client identifier of 2 to 255 bytes, then optional Kea fields. */
    static final int MAX_LENGTH = 2 + 255 + 255 + 1 + KeaCsv.CLIENT_ID_MAX + 3 + USER_CONTEXT_MAX;
    /** RFC 4702 §2.1: the domain name is in canonical wire format. */
    private static final int FLAG_E = 0x04;
    /** Flags and the two RCODE octets before the domain name (RFC 4702 §2). */
    private static final int FQDN_HEADER = 3;

    private final byte[] packed = new byte[MAX_LENGTH];
    private int length;

    void clear()
    {
        length = 0;
    }

    /**
     * Reads the values of options 12 and 81 ({@code offset} -1 when absent).
     *
     * @return this, empty when neither is given.
     */
    ClientNames read(final DirectBuffer buffer, final int hostOffset, final int hostLength, final int fqdnOffset,
        final int fqdnLength)
    {
        clear();
        if (hostOffset < 0 && fqdnOffset < 0)
        {
            return this;
        }
        final int h = hostOffset < 0 ? 0 : hostLength;
        packed[0] = (byte)h;
        buffer.getBytes(hostOffset < 0 ? 0 : hostOffset, packed, 1, h);
        int at = 1 + h;
        final int fqdnAt = at++;
        if (fqdnOffset >= 0 && fqdnLength > FQDN_HEADER)
        {
            if ((buffer.getByte(fqdnOffset) & FLAG_E) != 0)
            {
                at = wireName(buffer, fqdnOffset + FQDN_HEADER, fqdnOffset + fqdnLength, at);
            }
            else
            {
                buffer.getBytes(fqdnOffset + FQDN_HEADER, packed, at, fqdnLength - FQDN_HEADER);
                at += fqdnLength - FQDN_HEADER;
            }
        }
        packed[fqdnAt] = (byte)(at - fqdnAt - 1);
        length = at;
        return this;
    }

    /** Labels of a name in wire format, dotted; a label that runs past the option ends the name there. */
    private int wireName(final DirectBuffer buffer, final int from, final int end, final int to)
    {
        int in = from;
        int out = to;
        while (in < end)
        {
            final int label = buffer.getByte(in++) & 0xFF;
            if (label == 0 || label > 63 || in + label > end)
            {
                break;
            }
            if (out > to)
            {
                packed[out++] = '.';
            }
            buffer.getBytes(in, packed, out, label);
            out += label;
            in += label;
        }
        return out;
    }

    boolean isEmpty()
    {
        return length == 0;
    }

    /** Whether {@code other} holds the same names as this (its client identifier aside). */
    boolean sameAs(final byte[] other)
    {
        return other != null && other.length >= 2 && Arrays.equals(packed, 0, length, other, 0, namesEnd(other));
    }

    /** The packed names, a copy of their length, followed by the client identifier {@code previous} keeps, if any. */
    byte[] toPacked(final byte[] previous)
    {
        final int tail = previous == null || previous.length < 2 ? 0 : previous.length - namesEnd(previous);
        final byte[] out = Arrays.copyOf(packed, length + tail);
        if (tail > 0)
        {
            System.arraycopy(previous, previous.length - tail, out, length, tail);
        }
        return out;
    }

    /** Packs names as they are written in an etcd record; null when both are empty. */
    static byte[] pack(final String hostName, final String fqdn)
    {
        return pack(hostName, fqdn, null);
    }

    /**
     * Packs names and a client identifier kept whole (null for none); null when all are empty.
     *
     * @throws IllegalArgumentException a name longer than 255 bytes, an identifier not of 2 to 255 bytes.
     */
    static byte[] pack(final String hostName, final String fqdn, final byte[] clientId)
    {
        return pack(hostName, fqdn, clientId, 0, "");
    }

    /**
     * Packs names, a client identifier kept whole (null for none) and what an imported Kea lease says that dvmc does
     * not use but gives back at export: its {@link #KEA_FQDN_FWD}/{@link #KEA_FQDN_REV} flags and its user context
     * (at most {@link #USER_CONTEXT_MAX} bytes of UTF-8); null when all are empty.
     *
     * @throws IllegalArgumentException a name longer than 255 bytes, an identifier not of 2 to 255 bytes, a user
     *     context too long.
     */
    static byte[] pack(final String hostName, final String fqdn, final byte[] clientId, final int keaFlags,
        final String userContext)
    {
        final byte[] h = hostName.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] f = fqdn.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] u = userContext.getBytes(StandardCharsets.UTF_8);
        final boolean kea = keaFlags != 0 || u.length > 0;
        if (h.length == 0 && f.length == 0 && clientId == null && !kea)
        {
            return null;
        }
        if (h.length > 255 || f.length > 255)
        {
            throw new IllegalArgumentException("a host name or FQDN longer than 255 bytes");
        }
        if (clientId != null && (clientId.length < KeaCsv.CLIENT_ID_MIN || clientId.length > KeaCsv.CLIENT_ID_MAX))
        {
            throw new IllegalArgumentException("a client identifier of " + clientId.length + " bytes");
        }
        if (u.length > USER_CONTEXT_MAX)
        {
            throw new IllegalArgumentException("a user context of " + u.length + " bytes, more than " +
                USER_CONTEXT_MAX);
        }
        final int names = 2 + h.length + f.length;
        final int id = clientId == null ? 0 : clientId.length;
        final byte[] out = new byte[names + (clientId == null && !kea ? 0 : 1 + id) + (kea ? 3 + u.length : 0)];
        out[0] = (byte)h.length;
        System.arraycopy(h, 0, out, 1, h.length);
        out[1 + h.length] = (byte)f.length;
        System.arraycopy(f, 0, out, 2 + h.length, f.length);
        if (clientId != null || kea)
        {
            out[names] = (byte)id;
            if (clientId != null)
            {
                System.arraycopy(clientId, 0, out, names + 1, id);
            }
        }
        if (kea)
        {
            final int at = names + 1 + id;
            out[at] = (byte)(keaFlags & (KEA_FQDN_FWD | KEA_FQDN_REV));
            out[at + 1] = (byte)(u.length >>> 8);
            out[at + 2] = (byte)u.length;
            System.arraycopy(u, 0, out, at + 3, u.length);
        }
        return out;
    }

    /** Whether {@code packed[0 ..< length]} is names (and what may follow them) as {@link #pack} lays them out. */
    static boolean isPacked(final byte[] packed, final int length)
    {
        if (length < 2)
        {
            return false;
        }
        final int h = packed[0] & 0xFF;
        if (2 + h > length)
        {
            return false;
        }
        final int names = 2 + h + (packed[1 + h] & 0xFF);
        if (names == length)
        {
            return true;
        }
        if (names >= length)
        {
            return false;
        }
        final int id = packed[names] & 0xFF;
        if (id != 0 && id < KeaCsv.CLIENT_ID_MIN)
        {
            return false;
        }
        final int kea = names + 1 + id;
        if (kea == length)
        {
            return id != 0;
        }
        return kea + 3 <= length && kea + 3 + (((packed[kea + 1] & 0xFF) << 8) | (packed[kea + 2] & 0xFF)) == length;
    }

    /** The client identifier kept whole in packed names, or null. */
    static byte[] clientId(final byte[] packed)
    {
        if (packed == null || packed.length < 2)
        {
            return null;
        }
        final int names = namesEnd(packed);
        final int id = packed.length > names ? packed[names] & 0xFF : 0;
        return id == 0 ? null : Arrays.copyOfRange(packed, names + 1, names + 1 + id);
    }

    /** An imported Kea lease's fqdn_fwd/fqdn_rev flags ({@link #KEA_FQDN_FWD}, {@link #KEA_FQDN_REV}), 0 for none. */
    static int keaFlags(final byte[] packed)
    {
        final int at = keaAt(packed);
        return at < 0 ? 0 : packed[at] & 0xFF;
    }

    /** An imported Kea lease's user context, "" for none. */
    static String userContext(final byte[] packed)
    {
        final int at = keaAt(packed);
        return at < 0
            ? ""
            : new String(packed, at + 3, ((packed[at + 1] & 0xFF) << 8) | (packed[at + 2] & 0xFF),
                StandardCharsets.UTF_8);
    }

    /** Where the Kea fields of packed names begin, or -1 without them. */
    private static int keaAt(final byte[] packed)
    {
        if (packed == null || packed.length < 2)
        {
            return -1;
        }
        final int names = namesEnd(packed);
        if (packed.length <= names)
        {
            return -1;
        }
        final int at = names + 1 + (packed[names] & 0xFF);
        return packed.length >= at + 3 ? at : -1;
    }

    /** Packed names without their client identifier unless its key is {@code clientKey}; the Kea fields stay. */
    static byte[] keptFor(final byte[] packed, final long clientKey)
    {
        final byte[] id = clientId(packed);
        if (id == null || ClientKeys.of(new UnsafeBuffer(id), 0, id.length) == clientKey)
        {
            return packed;
        }
        final int names = namesEnd(packed);
        final int kea = keaAt(packed);
        if (kea < 0)
        {
            return Arrays.copyOf(packed, names);
        }
        final byte[] out = new byte[names + 1 + packed.length - kea];
        System.arraycopy(packed, 0, out, 0, names);
        System.arraycopy(packed, kea, out, names + 1, packed.length - kea);
        return out;
    }

    /** Where the names of packed names end (and a client identifier may begin). */
    private static int namesEnd(final byte[] packed)
    {
        final int h = packed[0] & 0xFF;
        return 2 + h + (packed[1 + h] & 0xFF);
    }

    /** The host name in packed names (bytes as ISO-8859-1 characters), "" for none. */
    static String hostName(final byte[] packed)
    {
        return packed == null ? "" : new String(packed, 1, packed[0] & 0xFF, StandardCharsets.ISO_8859_1);
    }

    /** The FQDN in packed names, "" for none. */
    static String fqdn(final byte[] packed)
    {
        if (packed == null)
        {
            return "";
        }
        final int at = 1 + (packed[0] & 0xFF);
        return new String(packed, at + 1, packed[at] & 0xFF, StandardCharsets.ISO_8859_1);
    }
}
