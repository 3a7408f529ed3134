package io.dvmc.policy;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.dhcp.ReplyDirectives;
import io.dvmc.exchange.DvmcMessage;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes a domain's options as DHCP option TLVs: the block that travels in the DVMC configuration field (225) and
 * that the host keeps for its fast-path replies (DESIGN §5, "domain options"). In order: subnet mask (1), router
 * (3), DNS servers (6), domain name (15), interface MTU (26), NTP servers (42), domain search (119, RFC 3397) and
 * classless static routes (121, RFC 3442), then the raw options in the policy's order. A reply that runs short of
 * room leaves out the options that come last (see {@link io.dvmc.dhcp.DhcpReplyWriter}). {@link OptionWriter}
 * splits options longer than 255 bytes into consecutive instances (RFC 3396). A domain with network boot or raw
 * options sent always ends its options with END and follows it with its {@link ReplyDirectives}; otherwise there is
 * no END: the block is spliced into a reply that ends it.
 */
public final class DomainOptions
{
    /** The block must fit the DVMC configuration field. */
    public static final int MAX_LENGTH = DvmcMessage.MAX_CONFIG_LENGTH;

    private DomainOptions()
    {
    }

    /**
     * @return the number of bytes written at {@code offset}, or -1 if the options do not fit in {@code capacity}.
     */
    public static int encode(final Domain d, final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        final OptionWriter w = new OptionWriter();
        w.wrap(buffer, offset, capacity);
        boolean ok = w.putInt(DhcpOption.SUBNET_MASK, d.subnetMask());
        if (d.router() != 0)
        {
            ok &= w.putInt(DhcpOption.ROUTER, d.router());
        }
        ok &= putAddresses(w, DhcpOption.DOMAIN_NAME_SERVER, d.dns());
        if (d.domainName() != null)
        {
            ok &= w.putAscii(DhcpOption.DOMAIN_NAME, d.domainName());
        }
        if (d.mtu() != 0)
        {
            ok &= w.putShort(DhcpOption.INTERFACE_MTU, d.mtu());
        }
        ok &= putAddresses(w, DhcpOption.NTP_SERVERS, d.ntp());
        if (!d.searchList().isEmpty())
        {
            final byte[] search = searchList(d.searchList());
            ok &= w.putBytes(DhcpOption.DOMAIN_SEARCH, new UnsafeBuffer(search), 0, search.length);
        }
        if (!d.staticRoutes().isEmpty())
        {
            ok &= putRoutes(w, d);
        }
        for (final Domain.RawOption r : d.rawOptions())
        {
            final byte[] value = r.value();
            ok &= w.putBytes(r.code(), new UnsafeBuffer(value), 0, value.length);
        }
        if (ok && hasDirectives(d))
        {
            ok = w.end() && putDirectives(w, d);
        }
        return ok ? w.length() : -1;
    }

    /** The encoded length, or -1 if it exceeds {@link #MAX_LENGTH}. */
    public static int encodedLength(final Domain d)
    {
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[MAX_LENGTH]);
        return encode(d, scratch, 0, MAX_LENGTH);
    }

    private static boolean hasDirectives(final Domain d)
    {
        return d.boot() != null || d.rawOptions().stream().anyMatch(Domain.RawOption::always);
    }

    private static boolean putDirectives(final OptionWriter w, final Domain d)
    {
        boolean ok = true;
        final Domain.Boot boot = d.boot();
        if (boot != null)
        {
            if (boot.nextServer() != 0)
            {
                ok &= w.putInt(ReplyDirectives.NEXT_SERVER, boot.nextServer());
            }
            if (boot.tftpServer() != null)
            {
                ok &= w.putAscii(ReplyDirectives.SERVER_NAME, boot.tftpServer());
            }
            if (boot.file() != null)
            {
                ok &= w.putAscii(ReplyDirectives.BOOT_FILE, boot.file());
            }
            if (boot.ipxeFile() != null)
            {
                ok &= w.putAscii(ReplyDirectives.IPXE_BOOT_FILE, boot.ipxeFile());
            }
        }
        final ByteArrayOutputStream codes = new ByteArrayOutputStream();
        d.rawOptions().stream().filter(Domain.RawOption::always).forEach(r -> codes.write(r.code()));
        final byte[] always = codes.toByteArray();
        if (always.length > 0)
        {
            ok &= w.putBytes(ReplyDirectives.ALWAYS, new UnsafeBuffer(always), 0, always.length);
        }
        return ok;
    }

    private static boolean putAddresses(final OptionWriter w, final int code, final List<Integer> addresses)
    {
        if (addresses.isEmpty())
        {
            return true;
        }
        final int[] values = new int[addresses.size()];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = addresses.get(i);
        }
        return w.putIpList(code, values, values.length);
    }

    /** RFC 3397 §2: each name in DNS wire format (length-prefixed labels, a zero byte), without compression. */
    static byte[] searchList(final List<String> names)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final String name : names)
        {
            final String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            for (final String label : trimmed.split("\\."))
            {
                final byte[] ascii = label.getBytes(StandardCharsets.US_ASCII);
                out.write(ascii.length);
                out.write(ascii, 0, ascii.length);
            }
            out.write(0);
        }
        return out.toByteArray();
    }

    /**
     * RFC 3442 routes. A client that gets option 121 ignores option 3 (RFC 3442 §4), so the router also goes in as
     * the default route unless the routes already have one.
     */
    private static boolean putRoutes(final OptionWriter w, final Domain d)
    {
        final List<Domain.StaticRoute> routes = d.staticRoutes();
        boolean hasDefault = false;
        for (final Domain.StaticRoute r : routes)
        {
            hasDefault |= r.prefixLength() == 0;
        }
        final int count = routes.size() + (!hasDefault && d.router() != 0 ? 1 : 0);
        final int[] destinations = new int[count];
        final int[] prefixLengths = new int[count];
        final int[] gateways = new int[count];
        for (int i = 0; i < routes.size(); i++)
        {
            destinations[i] = routes.get(i).destination();
            prefixLengths[i] = routes.get(i).prefixLength();
            gateways[i] = routes.get(i).gateway();
        }
        if (count > routes.size())
        {
            gateways[count - 1] = d.router();
        }
        return w.putClasslessRoutes(DhcpOption.CLASSLESS_STATIC_ROUTE, destinations, prefixLengths, gateways, count);
    }
}
