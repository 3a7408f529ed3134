package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.service.QuarantineFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Shows, and lifts, the addresses a service holds back after finding its lease journal damaged. */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
    description = "Shows the addresses a service quarantined after finding its lease journal damaged; --lift " +
        "hands them out again once you know no VM still holds them.")
final class QuarantineCommand implements Callable<Integer>
{
    private static final long LIFT_WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    @Option(names = "--state-dir", required = true, description = "the service's --state-dir")
    private Path stateDir;

    @Option(names = "--lift", paramLabel = "all|'DOMAIN ADDRESS'",
        description = "lift every quarantine, or one as listed (e.g. '100 10.0.0.102')")
    private String lift;

    @Option(names = "--json", description = "a JSON array of {domain, ip}; null in both: every address of every domain")
    private boolean json;

    public Integer call()
    {
        try
        {
            if (lift != null)
            {
                QuarantineFiles.requestLift(stateDir, lift);
                final long deadline = System.nanoTime() + LIFT_WAIT_NS;
                while (QuarantineFiles.liftPending(stateDir))
                {
                    if (System.nanoTime() > deadline)
                    {
                        System.err.println("dvmc ctl quarantine: the service in " + stateDir +
                            " has not taken the request (is it running?); it applies it when it starts");
                        return 1;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
            final List<String> lines = QuarantineFiles.readList(stateDir);
            if (json)
            {
                final ArrayNode out = CliJson.array();
                for (final String line : lines)
                {
                    final String[] words = line.trim().split(" +");
                    final ObjectNode q = out.addObject();
                    if ("any".equals(words[0]))
                    {
                        q.putNull("domain").putNull("ip");
                    }
                    else
                    {
                        q.put("domain", Long.parseLong(words[0])).put("ip", words[words.length - 1]);
                    }
                }
                CliJson.print(out);
                return 0;
            }
            if (lines.isEmpty())
            {
                System.out.println("no quarantine");
            }
            lines.forEach(System.out::println);
            return 0;
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            System.err.println("dvmc ctl quarantine: " + ex.getMessage());
            return 2;
        }
    }
}
