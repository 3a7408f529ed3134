package io.dvmc.cli;

import io.dvmc.cli.DvmcRun.Run;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.lease.LeaseStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.dvmc.cli.DvmcRun.dvmc;
import static io.dvmc.cli.DvmcRun.picocli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The agent and the read-only commands start without picocli's command tree when their arguments are plain, and
 * answer byte for byte as through it: the same stdout, stderr and exit code; help and every malformed call are
 * picocli's.
 */
class QuickCommandsTest
{
    private static final Path EXAMPLES = Path.of("..", "deploy", "examples");

    @TempDir
    Path dir;

    private String host;
    private String state;

    @BeforeEach
    void aHostWithAStoreAndCounters() throws Exception
    {
        final Path stateDir = dir.resolve("state");
        Files.createDirectories(stateDir);
        final Path file = dir.resolve("host.json");
        Files.writeString(file, Files.readString(EXAMPLES.resolve("host.json"))
            .replace("/var/lib/dvmc/host", stateDir.toString()));
        LeaseStore.openWriter(stateDir.resolve(LeaseStore.FILE), 64).close();
        try (CountersFile counters = CountersFile.create(stateDir.resolve("agent" + StatCommand.SUFFIX), 8))
        {
            counters.newCounter("exchanges_started", "DVMC exchanges started", CounterTypes.AGENT);
        }
        host = file.toString();
        state = stateDir.toString();
    }

    @Test
    void eachReadOnlyCommandAnswersAsThroughPicocli()
    {
        final String policy = EXAMPLES.resolve("policy.json").toString();
        final List<String[]> calls = new ArrayList<>(List.of(
            new String[]{"--version"},
            new String[]{"-V"},
            new String[]{"ctl", "stat", "--config", host},
            new String[]{"ctl", "stat", "--json", "--state-dir=" + state},
            new String[]{"ctl", "stat", "--state-dir", state, "--watch", "0", "--count", "1"},
            new String[]{"ctl", "leases", "--config", host},
            new String[]{"ctl", "leases", "--config=" + host, "--json"},
            new String[]{"ctl", "domains", "--config", host},
            new String[]{"ctl", "domains", "--policy", policy, "--json"},
            new String[]{"ctl", "bindings", "--config", host},
            new String[]{"ctl", "bindings", "--json", "--config", host},
            new String[]{"ctl", "leases", "--config", dir.resolve("missing.json").toString()}));
        for (final String[] call : calls)
        {
            assertNotNull(QuickCommands.of(call), String.join(" ", call));
            assertSameAnswer(call);
        }
    }

    @Test
    void helpAndMalformedCallsAreLeftToPicocli()
    {
        final List<String[]> calls = List.of(
            new String[]{"--help"},
            new String[]{"--version", "extra"},
            new String[]{"agent"},
            new String[]{"agent", "--config"},
            new String[]{"agent", "--help"},
            new String[]{"agent", "--config", host, "--nonsense"},
            new String[]{"ctl", "stat"},
            new String[]{"ctl", "stat", "--config", host, "--state-dir", state},
            new String[]{"ctl", "stat", "--config", host, "--watch", "x"},
            new String[]{"ctl", "stat", "--config", host, "--watch", "-1"},
            new String[]{"ctl", "leases"},
            new String[]{"ctl", "leases", "--config", host, "--json", "--json"},
            new String[]{"ctl", "leases", "--config", ""},
            new String[]{"ctl", "domains", "--config", host, "-h"},
            new String[]{"ctl", "bindings", "list"});
        for (final String[] call : calls)
        {
            assertNull(QuickCommands.of(call), String.join(" ", call));
        }
    }

    private static void assertSameAnswer(final String... call)
    {
        final Run quick = dvmc(call);
        final Run tree = picocli(call);
        final String what = String.join(" ", call);
        assertEquals(tree.exit(), quick.exit(), what);
        assertEquals(tree.out(), quick.out(), what);
        assertEquals(tree.err(), quick.err(), what);
    }
}
