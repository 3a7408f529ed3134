package io.dvmc.service;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a client says it is called, recorded with its lease: its host name (option 12, RFC 2132 §3.14) and its FQDN
 * (option 81, RFC 4702 §2), packed as [host name length][host name][FQDN length][FQDN], at most {@link #MAX_LENGTH}
 * bytes with the client identifier an imported lease brings (RFC 2132 §9.14), kept whole after the names as
 * [length][bytes] so that an export gives it back; a lease the service binds itself keeps only its key
 * ({@link ClientKeys}). The FQDN is kept as dotted text: RFC 4702's canonical wire encoding (flag E) is turned into labels joined
 * by dots; its flags and RCODEs are the client's wishes for DNS updates, which dvmc does not make. Reused for every
 * message; single-threaded.
 */
final class ClientNames
{
    /** The names, then an optional client identifier of 2 to 255 bytes. */
    static final int MAX_LENGTH = 2 + 255 + 255 + 1 + KeaCsv.CLIENT_ID_MAX;
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
        final byte[] h = hostName.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] f = fqdn.getBytes(StandardCharsets.ISO_8859_1);
        if (h.length == 0 && f.length == 0 && clientId == null)
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
        final int names = 2 + h.length + f.length;
        final byte[] out = new byte[names + (clientId == null ? 0 : 1 + clientId.length)];
        out[0] = (byte)h.length;
        System.arraycopy(h, 0, out, 1, h.length);
        out[1 + h.length] = (byte)f.length;
        System.arraycopy(f, 0, out, 2 + h.length, f.length);
        if (clientId != null)
        {
            out[names] = (byte)clientId.length;
            System.arraycopy(clientId, 0, out, names + 1, clientId.length);
        }
        return out;
    }

    /** Whether {@code packed[0 ..< length]} is names (and a client identifier) as {@link #pack} lays them out. */
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
        return id >= KeaCsv.CLIENT_ID_MIN && names + 1 + id == length;
    }

    /** The client identifier kept whole in packed names, or null. */
    static byte[] clientId(final byte[] packed)
    {
        if (packed == null || packed.length < 2)
        {
            return null;
        }
        final int names = namesEnd(packed);
        return packed.length > names + 1 ? Arrays.copyOfRange(packed, names + 1, packed.length) : null;
    }

    /** Packed names without their client identifier unless its key is {@code clientKey}. */
    static byte[] keptFor(final byte[] packed, final long clientKey)
    {
        final byte[] id = clientId(packed);
        return id == null || ClientKeys.of(new UnsafeBuffer(id), 0, id.length) == clientKey
            ? packed
            : Arrays.copyOf(packed, namesEnd(packed));
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
