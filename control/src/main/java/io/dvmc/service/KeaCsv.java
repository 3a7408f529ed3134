package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.policy.Domain;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Leases as Kea's memfile backend keeps them (Kea 2.2, lease4 CSV), so that leases move from Kea to dvmc and back:
 * {@value #HEADER}. A domain is a Kea subnet: its id is the subnet_id (give the subnet the domain's id in Kea's
 * configuration). Times are seconds since the epoch; expire = start + valid_lifetime. Kea writes a comma in the
 * host name or user context as "&amp;#x2c".
 *
 * <p>dvmc keeps a hash of a client identifier, not its bytes: an identifier of the usual form (hardware type 1, then
 * the MAC) is written back as it came; any other is written empty, and Kea then knows the client by its MAC.
 * valid_lifetime is the domain's VM lease time; fqdn_fwd and fqdn_rev are 0 (dvmc updates no DNS).
 */
public final class KeaCsv
{
    public static final String HEADER = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context";
    /** Kea's lease states: a lease in use, a declined address, a lease expired and reclaimed. */
    public static final int STATE_DEFAULT = 0;
    public static final int STATE_DECLINED = 1;
    public static final int STATE_EXPIRED_RECLAIMED = 2;
    private static final List<String> COLUMNS = List.of(HEADER.split(","));
    private static final String ESCAPED_COMMA = "&#x2c";

    /** One line of a lease file; {@code line} is its number in the file (1 is the header). */
    public record Row(int line, int address, long mac, String clientId, long validLifetime, long expire,
        long subnetId, int fqdnFwd, int fqdnRev, String hostname, int state, String userContext)
    {
        public String format()
        {
            return String.join(",", Addresses.ipv4(address), Addresses.mac(mac), clientId,
                Long.toString(validLifetime), Long.toString(expire), Long.toString(subnetId), Integer.toString(fqdnFwd),
                Integer.toString(fqdnRev), hostname.replace(",", ESCAPED_COMMA), Integer.toString(state),
                userContext.replace(",", ESCAPED_COMMA));
        }

        /** The lease as a line of an import request ({@link LeaseAdmin}). */
        public String importLine()
        {
            final byte[] id = clientId.isEmpty() ? null : HexFormat.ofDelimiter(":").parseHex(clientId);
            return LeaseAdmin.importLine(line, address, mac, expire * 1000,
                id == null ? ClientKeys.NONE : ClientKeys.of(new UnsafeBuffer(id), 0, id.length),
                ClientNames.pack(hostname, ""));
        }
    }

    private KeaCsv()
    {
    }

    /**
     * Reads a lease file whose first line names its columns (address, hwaddr, expire and subnet_id at least; Kea 2.2
     * writes {@link #HEADER}).
     *
     * @param errors receives one "line N: why" per line that is no lease.
     */
    public static List<Row> parse(final List<String> lines, final List<String> errors)
    {
        final List<Row> rows = new ArrayList<>();
        if (lines.isEmpty())
        {
            errors.add("line 1: empty file, no header");
            return rows;
        }
        final List<String> header = Arrays.asList(lines.getFirst().trim().split(",", -1));
        for (final String needed : List.of("address", "hwaddr", "expire", "subnet_id"))
        {
            if (!header.contains(needed))
            {
                errors.add("line 1: no column '" + needed + "' in the header (not a Kea lease4 file?)");
                return rows;
            }
        }
        final int[] at = new int[COLUMNS.size()];
        for (int c = 0; c < at.length; c++)
        {
            at[c] = header.indexOf(COLUMNS.get(c));
        }
        for (int i = 1; i < lines.size(); i++)
        {
            final String text = lines.get(i);
            if (text.isBlank())
            {
                continue;
            }
            final String[] f = text.split(",", -1);
            if (f.length != header.size())
            {
                errors.add("line " + (i + 1) + ": " + f.length + " columns, the header names " + header.size());
                continue;
            }
            try
            {
                rows.add(new Row(i + 1, Addresses.parseIpv4(f[at[0]]), Addresses.parseMac(f[at[1]]),
                    clientId(field(f, at[2], "")), Long.parseLong(field(f, at[3], "0")), Long.parseLong(f[at[4]]),
                    Long.parseUnsignedLong(f[at[5]]), Integer.parseInt(field(f, at[6], "0")),
                    Integer.parseInt(field(f, at[7], "0")), field(f, at[8], "").replace(ESCAPED_COMMA, ","),
                    Integer.parseInt(field(f, at[9], "0")), field(f, at[10], "").replace(ESCAPED_COMMA, ",")));
            }
            catch (final IllegalArgumentException ex)
            {
                errors.add("line " + (i + 1) + ": " + ex.getMessage());
            }
        }
        return rows;
    }

    /** A lease of the domain as Kea writes it. */
    public static Row row(final JournalLeases.Lease lease, final Domain domain)
    {
        final String usual = "01:" + Addresses.mac(lease.mac());
        final byte[] id = HexFormat.ofDelimiter(":").parseHex(usual);
        final String clientId = lease.clientKey() != ClientKeys.NONE &&
            lease.clientKey() == ClientKeys.of(new UnsafeBuffer(id), 0, id.length) ? usual : "";
        return new Row(0, lease.address(), lease.mac(), clientId, domain.leaseSeconds(),
            Math.floorDiv(lease.expiresAtMs(), 1000), Integer.toUnsignedLong(domain.id()), 0, 0,
            lease.hostName().isEmpty() ? lease.fqdn() : lease.hostName(), STATE_DEFAULT, "");
    }

    private static String field(final String[] f, final int at, final String absent)
    {
        return at < 0 ? absent : f[at];
    }

    private static String clientId(final String text)
    {
        if (!text.isEmpty())
        {
            HexFormat.ofDelimiter(":").parseHex(text.toLowerCase());
        }
        return text.toLowerCase();
    }
}
