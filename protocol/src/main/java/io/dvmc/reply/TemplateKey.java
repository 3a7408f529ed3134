package io.dvmc.reply;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.lease.DomainRecord;
import org.agrona.DirectBuffer;

/**
 * What a reply's bytes depend on apart from the fields {@link ReplyImage} patches per reply, as {@link #WORDS}
 * longs:
 * <pre>
 *  0  domain id, domain version          a domain written again gets a new version (and checksum)
 *  1  domain record checksum, server ip  the checksum covers every field and the option block of a sealed record
 *  2  domain updated millis              a domain removed and written afresh restarts its version
 *  3  size limit, client id length, reply type, netboot hints (PXE vendor class, iPXE user class), infinite
 *     lease, has option 55
 *  4..7  the set of codes option 55 asks for (order and repeats do not change the reply)
 * </pre>
 * The size limit is the client's, clamped to {@link #LIMIT_CLAMP}: no reply is longer, so every limit above it
 * gives the same bytes. Word 3 is never 0 for a real key, so a zeroed slot matches nothing.
 */
final class TemplateKey
{
    static final int WORDS = 8;
    /** Longer than any reply: 240 fixed bytes, 53, 54, 51/58/59, a 255-byte client id, 464 option bytes, END. */
    static final int LIMIT_CLAMP = 1024;
    private static final int TYPE_SHIFT = 4;
    private static final long TYPE_MASK = 0xFF;
    private static final long INFINITE = 2;

    private final long[] words = new long[WORDS];
    private int clientIdLength;
    private boolean infinite;

    /**
     * @param limit the most DHCP bytes the reply may have (the client's limit and the buffer's).
     */
    void capture(
        final DhcpPacket request, final int type, final int leaseSeconds, final int limit, final DomainRecord domain)
    {
        clientIdLength = request.clientIdLength();
        infinite = leaseSeconds == -1;
        final long[] w = words;
        w[0] = domainWord(domain);
        w[1] = contentWord(domain);
        w[2] = domain.updatedMillis();
        w[4] = 0;
        w[5] = 0;
        w[6] = 0;
        w[7] = 0;
        final int at = request.parameterRequestListOffset();
        if (at >= 0)
        {
            final DirectBuffer list = request.optionBuffer(DhcpOption.PARAMETER_REQUEST_LIST);
            for (int i = at, end = at + request.parameterRequestListLength(); i < end; i++)
            {
                final int code = list.getByte(i) & 0xFF;
                w[4 + (code >>> 6)] |= 1L << code;
            }
        }
        w[3] = (long)Math.min(limit, LIMIT_CLAMP) << 20 | (long)clientIdLength << 12 | (long)type << TYPE_SHIFT |
            (long)DhcpReplyWriter.netbootHints(request) << 2 | (infinite ? INFINITE : 0) | (at >= 0 ? 1 : 0);
    }

    /**
     * @param words a key {@link #capture}d earlier, at {@code at}.
     * @return whether capturing the same request now, for this domain, reply type and lease, gives that key: the
     * words that come from the request are the request's, the others are checked.
     */
    static boolean holds(
        final long[] words, final int at, final DomainRecord domain, final int type, final int leaseSeconds)
    {
        final long options = words[at + 3];
        return words[at] == domainWord(domain) && words[at + 1] == contentWord(domain) &&
            words[at + 2] == domain.updatedMillis() && (options >>> TYPE_SHIFT & TYPE_MASK) == type &&
            ((options & INFINITE) != 0) == (leaseSeconds == -1);
    }

    private static long domainWord(final DomainRecord domain)
    {
        return (long)domain.domainId() << 32 | (domain.version() & 0xFFFF_FFFFL);
    }

    private static long contentWord(final DomainRecord domain)
    {
        return (long)domain.checksum() << 32 | (domain.serverIp() & 0xFFFF_FFFFL);
    }

    int clientIdLength()
    {
        return clientIdLength;
    }

    boolean infinite()
    {
        return infinite;
    }

    int hash()
    {
        long h = 0;
        for (int i = 0; i < WORDS; i++)
        {
            h = (h ^ words[i]) * 0x9E37_79B9_7F4A_7C15L;
        }
        return (int)(h ^ (h >>> 29));
    }

    boolean matches(final long[] keys, final int at)
    {
        for (int i = 0; i < WORDS; i++)
        {
            if (keys[at + i] != words[i])
            {
                return false;
            }
        }
        return true;
    }

    void copyTo(final long[] keys, final int at)
    {
        System.arraycopy(words, 0, keys, at, WORDS);
    }
}
