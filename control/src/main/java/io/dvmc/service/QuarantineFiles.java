package io.dvmc.service;

import io.dvmc.config.Addresses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * How the operator sees and lifts the quarantine of a service whose journal was damaged, through its state
 * directory ({@code dvmc ctl quarantine --state-dir D}): the service writes {@value #LIST} (one "DOMAIN ADDRESS" or
 * "any any" per line) whenever the quarantine changes; the operator writes {@value #LIFT} (lines "all" or
 * "DOMAIN ADDRESS"), which the service applies within a second and removes.
 */
public final class QuarantineFiles
{
    public static final String LIST = "quarantine";
    public static final String LIFT = "quarantine.lift";

    private QuarantineFiles()
    {
    }

    /** Writes the list whole, renamed over the old one, so that a reader never sees half of it. */
    static void writeList(final Path stateDir, final List<String> lines) throws IOException
    {
        final Path tmp = stateDir.resolve(LIST + ".tmp");
        Files.write(tmp, lines, StandardCharsets.US_ASCII);
        Files.move(tmp, stateDir.resolve(LIST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The quarantines in force, as the service last wrote them; empty if none. */
    public static List<String> readList(final Path stateDir) throws IOException
    {
        final Path list = stateDir.resolve(LIST);
        return Files.exists(list) ? Files.readAllLines(list, StandardCharsets.US_ASCII) : List.of();
    }

    /** Asks the service to lift {@code what}: "all", or "DOMAIN ADDRESS" as the list shows it. */
    public static void requestLift(final Path stateDir, final String what) throws IOException
    {
        parse(what);
        final Path tmp = stateDir.resolve(LIFT + ".tmp");
        Files.writeString(tmp, what + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, stateDir.resolve(LIFT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Whether a lift request waits for the service. */
    public static boolean liftPending(final Path stateDir)
    {
        return Files.exists(stateDir.resolve(LIFT));
    }

    /**
     * Takes the pending lift request, if any.
     *
     * @return (domain, address) pairs, (0, 0) for every quarantine; empty if none is pending.
     */
    static List<int[]> takeLift(final Path stateDir) throws IOException
    {
        final Path lift = stateDir.resolve(LIFT);
        if (!Files.exists(lift))
        {
            return List.of();
        }
        final List<int[]> out = new ArrayList<>();
        try
        {
            for (final String line : Files.readAllLines(lift, StandardCharsets.US_ASCII))
            {
                if (!line.isBlank())
                {
                    out.add(parse(line.trim()));
                }
            }
        }
        finally
        {
            Files.deleteIfExists(lift);
        }
        return out;
    }

    private static int[] parse(final String what)
    {
        if ("all".equals(what) || "any any".equals(what))
        {
            return new int[]{0, 0};
        }
        final String[] parts = what.trim().split("\\s+");
        if (parts.length != 2)
        {
            throw new IllegalArgumentException("'" + what + "': expected 'all' or 'DOMAIN ADDRESS'");
        }
        return new int[]{Integer.parseUnsignedInt(parts[0]), Addresses.parseIpv4(parts[1])};
    }
}
