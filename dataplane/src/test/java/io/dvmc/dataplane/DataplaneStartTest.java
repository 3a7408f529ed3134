package io.dvmc.dataplane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dataplane's start runs on two threads at once: the poll thread starts the EAL and the mbuf pool while the
 * calling thread opens the state files and stores. A failure on either side stops the whole start with its cause,
 * whatever the other side is doing, and the process exits rather than hang.
 */
class DataplaneStartTest
{
    private static final String NULL_PORT = "{ \"name\": \"vm1\", \"device\": \"net_null0\" }";

    @TempDir
    Path dir;

    @Test
    void aStateFileThatCannotBeOpenedWhileTheEalStartsStopsTheStartAndSaysWhy() throws Exception
    {
        // The counters file is a directory: the calling thread fails while the EAL is still starting.
        Files.createDirectories(dir.resolve("host").resolve(Dataplane.COUNTERS_FILE));
        final String message = failedStart(List.of(NULL_PORT));
        assertTrue(message.contains("exited with 1"), message);
        assertTrue(message.contains("dvmc dataplane: cannot start: ") && message.contains(Dataplane.COUNTERS_FILE),
            message);
    }

    @Test
    void anEalThatCannotStartStopsTheStartAndSaysWhy() throws Exception
    {
        final String message = failedStart("\"extraEal\": [\"--no-such-eal-option\"]", List.of(NULL_PORT));
        assertTrue(message.contains("exited with 1"), message);
        assertTrue(message.contains("dvmc dataplane: cannot start: "), message);
        assertTrue(message.contains("--no-such-eal-option"), message);
    }

    private String failedStart(final List<String> ports) throws Exception
    {
        return failedStart("", ports);
    }

    private String failedStart(final String fields, final List<String> ports) throws Exception
    {
        try (DataplaneProcess ignored = DataplaneProcess.start(dir, fields, ports, List.of()))
        {
            throw new IllegalStateException("the dataplane started");
        }
        catch (final AssertionError expected)
        {
            return expected.getMessage();
        }
    }
}
