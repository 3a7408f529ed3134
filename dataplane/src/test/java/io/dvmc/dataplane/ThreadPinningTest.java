package io.dvmc.dataplane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both threads that run per packet stay on the CPUs host.json gives them (docs/bare-metal.md): the poll thread on
 * {@code dataplane.lcore}, pinned by the EAL, and the DHCP worker on {@code dataplane.workerCpu}, pinned by the
 * dataplane itself since the EAL pins only threads it starts; likewise each lane on its {@code dataplane.laneCpus}
 * entry. A real dataplane on a net_null port; needs 2 CPUs.
 */
class ThreadPinningTest
{
    private static final String NULL_PORT = "{ \"name\": \"vm1\", \"device\": \"net_null0\" }";

    @TempDir
    Path dir;

    @Test
    void thePollThreadRunsOnlyOnItsLcoreAndTheWorkerOnlyOnItsWorkerCpu() throws IOException
    {
        assertTrue(Runtime.getRuntime().availableProcessors() >= 2, "this test needs 2 CPUs");
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, "\"lcore\": 0, \"workerCpu\": 1",
            List.of(NULL_PORT), List.of()))
        {
            final Map<String, String> cpus = allowedCpusByThread(dataplane.pid());
            // A thread's name in /proc is cut to 15 bytes.
            assertEquals("0", cpus.get("dvmc-poll"), cpus.toString());
            assertEquals("1", cpus.get("dvmc-dhcp-worke"), cpus.toString());
            // Made while the poll thread starts the EAL, by the thread the EAL does not pin: free to run anywhere.
            assertEquals(processCpus(dataplane.pid()), cpus.get("dvmc-store-open"), cpus.toString());
        }
    }

    @Test
    void eachLaneRunsOnlyOnItsCpuLaneZeroOnTheLcoreAndTheOthersOnTheirLaneCpus() throws IOException
    {
        assertTrue(Runtime.getRuntime().availableProcessors() >= 2, "this test needs 2 CPUs");
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, "\"lcore\": 0, \"lanes\": 2, \"laneCpus\": [1]",
            List.of(NULL_PORT), List.of()))
        {
            final Map<String, String> cpus = allowedCpusByThread(dataplane.pid());
            assertEquals("0", cpus.get("dvmc-poll"), cpus.toString());
            assertEquals("1", cpus.get("dvmc-lane-1"), cpus.toString());
            assertEquals(processCpus(dataplane.pid()), cpus.get("dvmc-store-open"), cpus.toString());
        }
    }

    @Test
    void aWorkerCpuThisMachineDoesNotHaveStopsTheStartAndSaysWhy() throws Exception
    {
        final Path config = dir.resolve("host.json");
        try (DataplaneProcess ignored = DataplaneProcess.start(dir, "\"workerCpu\": 1000", List.of(NULL_PORT),
            List.of()))
        {
            throw new AssertionError("a dataplane started with its worker on CPU 1000");
        }
        catch (final AssertionError expected)
        {
            assertTrue(expected.getMessage().contains("exited with 1"), expected.getMessage());
            assertTrue(expected.getMessage().contains("cannot start: dataplane.workerCpu 1000: cannot pin a thread" +
                " to CPU 1000"), expected.getMessage());
            assertTrue(Files.exists(config));
        }
    }

    /** The process's Cpus_allowed_list, from /proc. */
    private static String processCpus(final long pid) throws IOException
    {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
            .filter(line -> line.startsWith("Cpus_allowed_list:"))
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .findFirst().orElseThrow();
    }

    /** Thread name to its Cpus_allowed_list, from /proc. */
    private static Map<String, String> allowedCpusByThread(final long pid) throws IOException
    {
        final Map<String, String> cpus = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks.toList())
            {
                try
                {
                    final String name = Files.readString(task.resolve("comm")).trim();
                    Files.readAllLines(task.resolve("status")).stream()
                        .filter(line -> line.startsWith("Cpus_allowed_list:"))
                        .forEach(line -> cpus.put(name, line.substring(line.indexOf(':') + 1).trim()));
                }
                catch (final FileSystemException ex)
                {
                    // The thread ended since the listing (the JVM starts and ends compiler threads).
                }
            }
        }
        return cpus;
    }
}
