package io.dvmc.service;

import io.dvmc.config.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Applies the operator's lease requests ({@link AdminFiles}) to the service's {@link AddressManager}, on the
 * service's thread: {@code release DOMAIN ADDRESS}, {@code expire DOMAIN ADDRESS}, and {@code import DOMAIN} with one
 * data line a lease ({@link #importLine}). Each is durable before its result says "ok".
 */
final class LeaseAdmin
{
    private static final Logger LOG = LoggerFactory.getLogger(LeaseAdmin.class);

    private LeaseAdmin()
    {
    }

    /** Applies the pending request, if any. @return whether there was one. */
    static boolean serve(final Path stateDir, final AddressManager manager) throws IOException
    {
        final AdminFiles.Request request = AdminFiles.take(stateDir);
        if (request == null)
        {
            return false;
        }
        List<String> lines;
        boolean ok;
        try
        {
            lines = apply(request, manager);
            ok = true;
        }
        catch (final RefusedException ex)
        {
            lines = ex.lines;
            ok = false;
        }
        catch (final LeaseException | IllegalArgumentException ex)
        {
            lines = List.of(ex.getMessage());
            ok = false;
        }
        LOG.warn("lease admin request '{}' {}: {}", request.command(), ok ? "applied" : "refused",
            lines.isEmpty()
                ? ""
                : lines.getFirst() + (lines.size() > 1 ? " (and " + (lines.size() - 1) + " more)" : ""));
        AdminFiles.answer(stateDir, request.id(), ok, lines);
        return true;
    }

    private static List<String> apply(final AdminFiles.Request request, final AddressManager manager)
        throws LeaseException, RefusedException
    {
        final String[] words = request.command().trim().split("\\s+");
        switch (words[0])
        {
            case "release", "expire" -> {
                expect(words, 3);
                final int domain = Integer.parseUnsignedInt(words[1]);
                final int address = Addresses.parseIpv4(words[2]);
                final long mac = manager.endByOperator(domain, address, "expire".equals(words[0]));
                return List.of(words[0] + "d " + Addresses.ipv4(address) + " (" + Addresses.mac(mac) + ") in domain " +
                    Integer.toUnsignedString(domain));
            }
            case "import" -> {
                expect(words, 2);
                final int domain = Integer.parseUnsignedInt(words[1]);
                final List<ImportedLease> leases = new ArrayList<>(request.data().size());
                for (final String line : request.data())
                {
                    leases.add(parseImportLine(line));
                }
                final List<String> errors = manager.importLeases(domain, leases);
                if (!errors.isEmpty())
                {
                    final List<String> out = new ArrayList<>(errors.size() + 1);
                    out.add("nothing imported: " + errors.size() + " of " + leases.size() + " leases refused");
                    out.addAll(errors);
                    throw new RefusedException(out);
                }
                return List.of("imported " + leases.size() + " leases into domain " + Integer.toUnsignedString(domain));
            }
            default -> throw new IllegalArgumentException("unknown lease admin request '" + request.command() + "'");
        }
    }

    private static void expect(final String[] words, final int count)
    {
        if (words.length != count)
        {
            throw new IllegalArgumentException(
                "'" + String.join(" ", words) + "': " + (count - 1) + " arguments expected");
        }
    }

    /** One lease of an import request: "LINE ADDRESS MAC EXPIRES_MS CLIENT_KEY_HEX NAMES_HEX|-". */
    static String importLine(final int line, final int address, final long mac, final long wallExpiresMs,
        final long clientKey, final byte[] names)
    {
        return line + " " + Addresses.ipv4(address) + " " + Addresses.mac(mac) + " " + wallExpiresMs + " " +
            Long.toHexString(clientKey) + " " + (names == null ? "-" : HexFormat.of().formatHex(names));
    }

    private static ImportedLease parseImportLine(final String line)
    {
        final String[] f = line.trim().split(" ");
        if (f.length != 6)
        {
            throw new IllegalArgumentException("malformed import line '" + line + "'");
        }
        return new ImportedLease(Integer.parseInt(f[0]), Addresses.parseIpv4(f[1]), Addresses.parseMac(f[2]),
            Long.parseLong(f[3]), Long.parseUnsignedLong(f[4], 16),
            "-".equals(f[5]) ? null : HexFormat.of().parseHex(f[5]));
    }

    /** A request refused with several lines of reasons. */
    private static final class RefusedException extends Exception
    {
        private final List<String> lines;

        RefusedException(final List<String> lines)
        {
            super(lines.getFirst(), null, false, false);
            this.lines = lines;
        }
    }
}
