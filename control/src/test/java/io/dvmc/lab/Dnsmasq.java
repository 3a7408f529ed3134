package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A dnsmasq DHCP server (DNS off) confined to one interface of a namespace the test created: a reference server to
 * prove the lab's clients against, and a tenant server for relay tests. It runs in its own mount namespace with a
 * tmpfs on /run and keeps its lease file in a directory of ours, so it leaves nothing on the machine.
 */
public final class Dnsmasq implements AutoCloseable
{
    /**
     * What dnsmasq hands out on {@code iface}: a pool with its mask and lease time, router, DNS servers, MTU
     * (0: not sent); {@code extraArgs} go to dnsmasq as they are.
     */
    public record Config(String iface, String rangeStart, String rangeEnd, String mask, Duration leaseTime,
        String router, List<String> dns, int mtu, List<String> extraArgs)
    {
        public Config
        {
            dns = List.copyOf(dns);
            extraArgs = List.copyOf(extraArgs);
        }
    }

    private final Config config;
    private final List<String> command;
    private final Path dir;
    private final Path log;
    private Process process;

    private Dnsmasq(Config config, List<String> command, Path dir, Path log)
    {
        this.config = config;
        this.command = List.copyOf(command);
        this.dir = dir;
        this.log = log;
    }

    /** Starts dnsmasq inside {@code ns} and returns once it listens for DHCP on {@code config.iface()}. */
    public static Dnsmasq start(String ns, Config config, Duration timeout)
    {
        return start(ns, config, timeout, true);
    }

    /**
     * Starts dnsmasq inside {@code ns}, with {@code --dhcp-authoritative} or with dnsmasq's default (not
     * authoritative), and returns once it listens for DHCP on {@code config.iface()}.
     */
    public static Dnsmasq start(String ns, Config config, Duration timeout, boolean authoritative)
    {
        Path dir;
        try
        {
            dir = Files.createTempDirectory("dvmc-lab-" + ProcessHandle.current().pid() + "-dnsmasq-");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("dnsmasq.log");
        List<String> args = new ArrayList<>(List.of("--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
            "--no-resolv", "--no-hosts", "--no-ping", "--bind-interfaces",
            "--interface=" + config.iface(), "--user=root", "--group=root", "--pid-file=",
            "--log-facility=-", "--log-dhcp", "--dhcp-leasefile=" + dir.resolve("leases"),
            "--dhcp-range=" + config.rangeStart() + "," + config.rangeEnd() + "," + config.mask() + "," +
                config.leaseTime().toSeconds()));
        if (config.router() != null)
        {
            args.add("--dhcp-option=option:router," + config.router());
        }
        if (!config.dns().isEmpty())
        {
            args.add("--dhcp-option=option:dns-server," + String.join(",", config.dns()));
        }
        if (config.mtu() > 0)
        {
            args.add("--dhcp-option=option:mtu," + config.mtu());
        }
        if (authoritative)
        {
            args.add("--dhcp-authoritative");
        }
        args.addAll(config.extraArgs());
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs tmpfs /run && exec dnsmasq \"$@\"", "sh"));
        cmd.addAll(args);
        Dnsmasq d = new Dnsmasq(config, NetnsLab.inNs(ns, cmd.toArray(String[]::new)), dir, log);
        try
        {
            d.launch(timeout);
        }
        catch (LabException e)
        {
            d.close();
            throw e;
        }
        return d;
    }

    // "--no-ping": dnsmasq would otherwise ping each address before offering it and delay the first OFFER.
    private void launch(Duration timeout)
    {
        int before = log().split("DHCP, sockets bound exclusively", -1).length;
        process = Exec.start(log, command);
        Process p = process;
        boolean ready = Waits.until(dir, () -> log().split("DHCP, sockets bound exclusively", -1).length > before,
            timeout, p::isAlive);
        if (!ready)
        {
            throw new LabException("dnsmasq did not start: " + command + "\n" + log());
        }
    }

    /** Stops dnsmasq and starts it again on the same lease file, as an operator's restart does. */
    public void restart(Duration timeout)
    {
        Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        launch(timeout);
    }

    public Config config()
    {
        return config;
    }

    /** The lease file's lines: "expiry mac ip hostname client-id". */
    public List<String> leases()
    {
        try
        {
            Path f = dir.resolve("leases");
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public String log()
    {
        try
        {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (IOException e)
        {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close()
    {
        if (process != null)
        {
            Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        }
        NetnsLab.deleteTree(dir);
    }
}
