package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.policy.Domain;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Leases as Kea's memfile backend keeps them (Kea 2.2, lease4 CSV), so that leases move from Kea to dvmc and back:
 * {@value #HEADER}. A domain is a Kea subnet: its id is the subnet_id (give the subnet the domain's id in Kea's
 * configuration). Times are seconds since the epoch; expire = start + valid_lifetime. Kea writes a comma in the
 * host name or user context as "&amp;#x2c".
 *
 * <p>A client identifier (option 61, RFC 2132 §9.14: 2 to 255 bytes) read from a lease file is kept whole and written
 * back as it came. A lease dvmc bound itself keeps only a hash of its client's identifier: one of the usual form
 * (hardware type 1, then the MAC) is written back; any other is written empty, and Kea then knows the client by its
 * MAC. valid_lifetime is the domain's VM lease time. dvmc updates no DNS and keeps no user context of its own, but
 * an imported lease keeps its fqdn_fwd, fqdn_rev and user_context (up to {@link ClientNames#USER_CONTEXT_MAX} bytes)
 * and is exported with them, so that Kea, given its leases back, still knows which DNS records its updater made.
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
    /** RFC 2132 §9.14: a client identifier has at least 2 bytes; an option holds at most 255. */
    static final int CLIENT_ID_MIN = 2;
    static final int CLIENT_ID_MAX = 255;
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

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
            return LeaseAdmin.importLine(line, address, mac, expire * 1000, clientKey(), names());
        }

        /** What the lease says of its client as dvmc keeps it with the lease ({@link ClientNames}). */
        public byte[] names()
        {
            return ClientNames.pack(hostname, "", clientIdBytes(),
                (fqdnFwd != 0 ? ClientNames.KEA_FQDN_FWD : 0) | (fqdnRev != 0 ? ClientNames.KEA_FQDN_REV : 0),
                userContext);
        }

        /** The client identifier's bytes, or null for none. */
        public byte[] clientIdBytes()
        {
            return clientId.isEmpty() ? null : COLONS.parseHex(clientId);
        }

        /** The {@link ClientKeys key} of the client identifier, {@link ClientKeys#NONE} for none. */
        long clientKey()
        {
            final byte[] id = clientIdBytes();
            return id == null ? ClientKeys.NONE : ClientKeys.of(new UnsafeBuffer(id), 0, id.length);
        }

        /**
         * Why the import of this line into Kea subnet {@code subnet} skips it at {@code nowS} (seconds since the
         * epoch), or null to import it: another subnet's, declined, reclaimed or expired.
         */
        public String skipped(final long subnet, final long nowS)
        {
            return subnetId != subnet
                ? "subnet_id " + subnetId
                : state == STATE_DECLINED
                    ? "declined"
                    : state == STATE_EXPIRED_RECLAIMED ? "expired and reclaimed" : expire <= nowS ? "expired" : null;
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
                    Integer.parseInt(field(f, at[9], "0")), userContext(field(f, at[10], ""))));
            }
            catch (final IllegalArgumentException ex)
            {
                errors.add("line " + (i + 1) + ": " + ex.getMessage());
            }
        }
        return rows;
    }

    /**
     * The rows of a lease file to import into one subnet, all or none: lines that are no lease refuse the whole
     * file (each goes to {@code report}, then an IllegalArgumentException); lines of other subnets, expired,
     * declined and reclaimed leases are left out, each reported.
     *
     * @param subnetId the Kea subnet to import; null for the file's only one.
     */
    public static List<Row> importable(final List<String> lines, final Long subnetId, final long nowS,
        final Consumer<String> report)
    {
        final List<String> errors = new ArrayList<>();
        final List<Row> rows = parse(lines, errors);
        if (!errors.isEmpty())
        {
            errors.forEach(report);
            throw new IllegalArgumentException("nothing imported: " + errors.size() + " lines are no lease");
        }
        final long subnet = subnetId != null ? subnetId : onlySubnet(rows);
        final List<Row> kept = new ArrayList<>();
        for (final Row r : rows)
        {
            final String skip = r.skipped(subnet, nowS);
            if (skip != null)
            {
                report.accept("line " + r.line() + " skipped (" + skip + "): " + Addresses.ipv4(r.address()));
            }
            else
            {
                kept.add(r);
            }
        }
        return kept;
    }

    private static long onlySubnet(final List<Row> rows)
    {
        final List<Long> ids = rows.stream().map(Row::subnetId).distinct().toList();
        if (ids.size() > 1)
        {
            throw new IllegalArgumentException(
                "the file holds subnets " + ids + ": name the one to import with --subnet-id");
        }
        return ids.isEmpty() ? 0 : ids.getFirst();
    }

    /** A lease of the domain as Kea writes it. */
    public static Row row(final JournalLeases.Lease lease, final Domain domain)
    {
        return row(lease.address(), lease.mac(), clientId(lease.mac(), lease.clientKey(), lease.clientId()),
            lease.expiresAtMs(), lease.hostName(), lease.fqdn(), lease.keaFlags(), lease.userContext(), domain);
    }

    /**
     * A lease of the domain as Kea writes it: fqdn_fwd, fqdn_rev and user_context as an imported lease brought them
     * (dvmc itself updates no DNS and keeps no user context: 0, 0 and empty otherwise).
     *
     * @param clientId the client_id column ({@link #clientId(long, long, byte[])}).
     * @param keaFlags {@link ClientNames#KEA_FQDN_FWD}, {@link ClientNames#KEA_FQDN_REV}.
     */
    public static Row row(final int address, final long mac, final String clientId, final long expiresAtMs,
        final String hostName, final String fqdn, final int keaFlags, final String userContext, final Domain domain)
    {
        return new Row(0, address, mac, clientId, domain.leaseSeconds(), Math.floorDiv(expiresAtMs, 1000),
            Integer.toUnsignedLong(domain.id()), (keaFlags & ClientNames.KEA_FQDN_FWD) != 0 ? 1 : 0,
            (keaFlags & ClientNames.KEA_FQDN_REV) != 0 ? 1 : 0, hostName.isEmpty() ? fqdn : hostName, STATE_DEFAULT,
            userContext);
    }

    /**
     * The client_id column of a lease: its identifier's bytes when kept, else the usual form (type 1, the MAC) when
     * the key is of that form, else empty.
     */
    public static String clientId(final long mac, final long clientKey, final byte[] bytes)
    {
        if (bytes != null)
        {
            return COLONS.formatHex(bytes);
        }
        final String usual = "01:" + Addresses.mac(mac);
        final byte[] id = COLONS.parseHex(usual);
        return clientKey != ClientKeys.NONE && clientKey == ClientKeys.of(new UnsafeBuffer(id), 0, id.length)
            ? usual
            : "";
    }

    /** The client_id column of an etcd lease record: its "clientId" hex if any, else from its "clientKey". */
    public static String clientId(final long mac, final String clientKeyHex, final String clientIdHex)
    {
        if (clientIdHex != null && !clientIdHex.isEmpty())
        {
            return clientId(clientIdHex);
        }
        return clientId(mac, clientKeyHex == null || clientKeyHex.isEmpty()
            ? ClientKeys.NONE
            : Long.parseUnsignedLong(clientKeyHex, 16), null);
    }

    /** A user_context column, unescaped and within what dvmc keeps ({@link ClientNames#USER_CONTEXT_MAX}). */
    private static String userContext(final String text)
    {
        final String context = text.replace(ESCAPED_COMMA, ",");
        final int bytes = context.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > ClientNames.USER_CONTEXT_MAX)
        {
            throw new IllegalArgumentException("user_context of " + bytes + " bytes, more than the " +
                ClientNames.USER_CONTEXT_MAX + " dvmc keeps");
        }
        return context;
    }

    private static String field(final String[] f, final int at, final String absent)
    {
        return at < 0 ? absent : f[at];
    }

    /** A client_id column, validated: empty, or 2 to 255 colon-separated hex bytes. */
    private static String clientId(final String text)
    {
        if (!text.isEmpty())
        {
            final byte[] id;
            try
            {
                id = COLONS.parseHex(text.toLowerCase());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("client_id '" + text + "' is not colon-separated hex bytes");
            }
            if (id.length < CLIENT_ID_MIN || id.length > CLIENT_ID_MAX)
            {
                throw new IllegalArgumentException("client_id '" + text + "' has " + id.length + " bytes, not " +
                    CLIENT_ID_MIN + " to " + CLIENT_ID_MAX);
            }
        }
        return text.toLowerCase();
    }
}
