package io.dvmc.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bench/timed.sh, with which bench/startup.sh times each CLI command: one line of figures for every command, the
 * exit code of one that fails among them (ctl stat exits 3 for a stopped process).
 */
class TimedCommandTest
{
    private static final Path SCRIPT = Path.of("timed.sh").toAbsolutePath();

    @Test
    void aCommandThatFailsGetsOneLineWithItsFiguresAndItsExitCode() throws Exception
    {
        final String line = timed("sh", "-c", "echo stopped >&2; exit 3");
        assertTrue(line.matches("[0-9.]+ s wall, [0-9.]+ s cpu, exit 3, stderr 8 bytes\n"), line);
    }

    @Test
    void aCommandThatSucceedsGetsOneLineWithItsFigures() throws Exception
    {
        final String line = timed("true");
        assertTrue(line.matches("[0-9.]+ s wall, [0-9.]+ s cpu, exit 0, stderr 0 bytes\n"), line);
    }

    private static String timed(final String... command) throws IOException, InterruptedException
    {
        final String[] args = new String[command.length + 2];
        args[0] = "bash";
        args[1] = SCRIPT.toString();
        System.arraycopy(command, 0, args, 2, command.length);
        final Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed.sh did not finish");
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
