package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * ISC Kea's DHCPv4 server ({@code kea-dhcp4}) on one interface of a namespace the test created, as a reference
 * server to compare dvmc with: raw sockets, leases in a memfile of ours (kept across {@link #restart}), its pid and
 * lock files in that directory too, so it leaves nothing on the machine. The test writes its subnet.
 */
public final class Kea implements AutoCloseable
{
    private final String ns;
    private final Path dir;
    private final Path log;
    private final Path config;
    private Process process;

    private Kea(String ns, Path dir)
    {
        this.ns = ns;
        this.dir = dir;
        this.log = dir.resolve("kea-dhcp4.log");
        this.config = dir.resolve("kea-dhcp4.conf");
    }

    /**
     * Starts kea-dhcp4 in {@code ns} serving {@code iface} with {@code subnet4} (the JSON of one element of Kea's
     * "subnet4" list) and {@code globals} (further "Dhcp4" members, each ending with a comma, or empty); returns
     * once it listens on UDP port 67.
     */
    public static Kea start(String ns, String iface, String subnet4, String globals, Duration timeout)
    {
        Path dir;
        try
        {
            dir = Files.createTempDirectory("dvmc-lab-" + ProcessHandle.current().pid() + "-kea-");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        Kea kea = new Kea(ns, dir);
        try
        {
            Files.writeString(kea.config,
                "{ \"Dhcp4\": {\n" + "  \"interfaces-config\": { \"interfaces\": [ \"" + iface +
                    "\" ], \"dhcp-socket-type\": \"raw\" },\n" +
                    "  \"lease-database\": { \"type\": \"memfile\", \"persist\": true, \"lfc-interval\": 0," +
                    " \"name\": \"" + dir.resolve("leases4.csv") + "\" },\n" + "  " + globals + "\n" +
                    "  \"subnet4\": [ " + subnet4 + " ],\n" +
                    "  \"loggers\": [ { \"name\": \"kea-dhcp4\", \"output_options\": [ { \"output\": \"stdout\" } ]," +
                    " \"severity\": \"WARN\" } ]\n" + "} }\n");
            kea.launch(timeout);
        }
        catch (IOException e)
        {
            kea.close();
            throw new UncheckedIOException(e);
        }
        catch (LabException e)
        {
            kea.close();
            throw e;
        }
        return kea;
    }

    private void launch(Duration timeout)
    {
        process = Exec.start(log, NetnsLab.inNs(ns, "env", "KEA_PIDFILE_DIR=" + dir, "KEA_LOCKFILE_DIR=" + dir,
            "kea-dhcp4", "-c", config.toString()));
        Process p = process;
        // Beside its raw socket Kea binds UDP port 67, so that the kernel sends no port unreachable.
        boolean ready = Waits.until(dir, () -> Exec.run(Duration.ofSeconds(5),
            NetnsLab.inNs(ns, "ss", "-Hlun", "sport = :67")).output().contains(":67"), timeout, p::isAlive);
        if (!ready)
        {
            throw new LabException("kea-dhcp4 did not start in " + ns + ":\n" + log());
        }
    }

    /** Stops kea-dhcp4 (SIGTERM) and starts it again on the same lease file, as an operator's restart does. */
    public void restart(Duration timeout)
    {
        Exec.kill(process.toHandle(), Duration.ofSeconds(5));
        launch(timeout);
    }

    public List<String> leases()
    {
        try
        {
            Path f = dir.resolve("leases4.csv");
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public String log()
    {
        return Exec.logOf(log);
    }

    @Override
    public void close()
    {
        if (process != null)
        {
            Exec.kill(process.toHandle(), Duration.ofSeconds(5));
        }
        NetnsLab.deleteTree(dir);
    }
}
