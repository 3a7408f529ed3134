package io.dvmc.cli;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.lease.LeaseStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-only commands, each run as its own JVM with the flags bin/dvmc gives the CLI (deploy/jvm.options,
 * deploy/cli.options) and an ahead-of-time cache the JVM cannot use (a stale or damaged one): they answer on stdout
 * and print nothing on stderr (no JVM warning, no cache message, no logging start-up).
 */
class CliStderrTest
{
    private static final Path DEPLOY = Path.of("..", "deploy");

    @TempDir
    Path dir;

    private Path host;

    @BeforeEach
    void aHostWithAStoreAndCounters() throws Exception
    {
        final Path state = dir.resolve("state");
        Files.createDirectories(state);
        host = dir.resolve("host.json");
        Files.writeString(host, Files.readString(DEPLOY.resolve("examples").resolve("host.json"))
            .replace("/var/lib/dvmc/host", state.toString()));
        LeaseStore.openWriter(state.resolve(LeaseStore.FILE), 64).close();
        try (CountersFile counters = CountersFile.create(state.resolve("agent" + StatCommand.SUFFIX), 8))
        {
            counters.newCounter("exchanges_started", "DVMC exchanges started", CounterTypes.AGENT);
        }
    }

    @Test
    void versionPrintsNothingOnStderr() throws Exception
    {
        assertQuiet("--version");
    }

    @Test
    void statPrintsNothingOnStderr() throws Exception
    {
        assertQuiet("ctl", "stat", "--config", host.toString());
    }

    @Test
    void leasesPrintsNothingOnStderr() throws Exception
    {
        assertQuiet("ctl", "leases", "--config", host.toString());
    }

    @Test
    void domainsPrintsNothingOnStderr() throws Exception
    {
        assertQuiet("ctl", "domains", "--policy", DEPLOY.resolve("examples").resolve("policy.json").toString());
    }

    private void assertQuiet(final String... args) throws Exception
    {
        final Path damaged = dir.resolve("dvmc-cli.aot");
        Files.write(damaged, new byte[4096]);
        final String flags = System.getenv("DVMC_JVM_FLAGS");
        assertNotNull(flags, "DVMC_JVM_FLAGS (set by the build) names deploy/jvm.options");
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(flags.trim().split("\\s+")));
        command.add("@" + DEPLOY.resolve("cli.options"));
        command.add("-XX:AOTCache=" + damaged);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Dvmc.class.getName()));
        command.addAll(Arrays.asList(args));
        final Path out = dir.resolve("out");
        final Path err = dir.resolve("err");
        final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "dvmc " + String.join(" ", args) + " did not exit");
        assertEquals(0, process.exitValue(), Files.readString(err));
        assertTrue(Files.size(out) > 0, "nothing on stdout");
        assertEquals("", Files.readString(err), "dvmc " + String.join(" ", args) + " on stderr");
    }
}
