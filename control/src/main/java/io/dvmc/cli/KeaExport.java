package io.dvmc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where an exported Kea lease file goes: stdout, or a file with a line on stderr that says how many leases. */
final class KeaExport
{
    private KeaExport()
    {
    }

    /** @param lines the CSV's header and one line a lease. */
    static void print(final List<String> lines, final Path output) throws IOException
    {
        if (output == null)
        {
            lines.forEach(System.out::println);
        }
        else
        {
            Files.write(output, lines, StandardCharsets.UTF_8);
            System.err.println("exported " + (lines.size() - 1) + " leases to " + output);
        }
    }
}
