package io.dvmc.cli;

import io.dvmc.agent.AgentCounters;
import io.dvmc.dataplane.DataplaneCounters;
import io.dvmc.ipc.CountersFile;
import io.dvmc.service.ServiceCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/counters.md explains every counter the code creates, and nothing else: each process's counters are created
 * here as the process creates them, and their names compared with the rows of the process's table.
 */
class CounterDocsTest
{
    private static final Path DOC = Path.of("..", "docs", "counters.md");
    private static final Pattern SECTION = Pattern.compile("(?m)^## `(\\w+)`");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(\\w+)` +\\|");

    @TempDir
    Path dir;

    @Test
    void everyCounterOfEveryProcessHasARowInDocsCountersAndEveryRowACounter() throws IOException
    {
        final Map<String, Set<String>> inCode = new TreeMap<>();
        try (CountersFile dataplane = CountersFile.create(dir.resolve("dataplane-counters.dat"), 256);
            CountersFile agent = CountersFile.create(dir.resolve("agent-counters.dat"), 256);
            ServiceCounters ignored = new ServiceCounters(dir))
        {
            new DataplaneCounters(dataplane, List.of("vm1"), 2);
            new AgentCounters(agent);
            inCode.put("dataplane", names(dataplane));
            inCode.put("agent", names(agent));
            try (CountersFile service = CountersFile.openReader(dir.resolve(ServiceCounters.FILE)))
            {
                inCode.put("service", names(service));
            }
        }
        assertEquals(inCode, documented(Files.readString(DOC)),
            "docs/counters.md: one row per counter, under the heading of its process");
    }

    private static Set<String> names(final CountersFile file)
    {
        final Set<String> out = new TreeSet<>();
        file.counters().forEach(c -> out.add(c.name()));
        return out;
    }

    /** The names in the first column of each process's table, by process. */
    private static Map<String, Set<String>> documented(final String doc)
    {
        final Map<String, Set<String>> out = new TreeMap<>();
        final Matcher section = SECTION.matcher(doc);
        String process = null;
        int start = 0;
        while (true)
        {
            final boolean found = section.find();
            if (process != null)
            {
                final Set<String> rows = new TreeSet<>();
                final Matcher row = ROW.matcher(doc.substring(start, found ? section.start() : doc.length()));
                while (row.find())
                {
                    rows.add(row.group(1));
                }
                out.put(process, rows);
            }
            if (!found)
            {
                return out;
            }
            process = section.group(1);
            start = section.end();
        }
    }
}
