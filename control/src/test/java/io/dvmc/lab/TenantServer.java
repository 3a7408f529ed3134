package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A tenant's own DHCP server, Kea ({@code kea-dhcp4}) or ISC dhcpd, confined to one interface of a namespace the
 * test created, answering relayed requests only: the VM subnet has no interface of its own there, the server learns
 * it from the relay (RFC 3527 link selection). Its configuration, lease file and log live in a directory of ours,
 * so it leaves nothing on the machine; {@link Dnsmasq} is the third such server.
 */
public final class TenantServer implements AutoCloseable
{
    /** Which server. */
    public enum Kind
    {
        KEA("kea-dhcp4"), ISC_DHCPD("dhcpd");

        private final String command;

        Kind(String command)
        {
            this.command = command;
        }

        public String command()
        {
            return command;
        }
    }

    /**
     * The VM subnet ({@code network}/24) with its pool, router, DNS and lease time; {@code linkNetwork}/24 is the
     * subnet of the interface the relay reaches the server on.
     */
    public record Config(String iface, String linkNetwork, String network, String rangeStart, String rangeEnd,
        Duration leaseTime, String router, List<String> dns)
    {
        public Config
        {
            dns = List.copyOf(dns);
        }
    }

    private final Kind kind;
    private final Process process;
    private final Path dir;
    private final Path log;

    private TenantServer(Kind kind, Process process, Path dir, Path log)
    {
        this.kind = kind;
        this.process = process;
        this.dir = dir;
        this.log = log;
    }

    /** Starts the server inside {@code ns} and returns once it listens on {@code config.iface()}. */
    public static TenantServer start(Kind kind, String ns, Config config, Duration timeout)
    {
        Path dir;
        try
        {
            dir = Files.createTempDirectory("dvmc-lab-" + ProcessHandle.current().pid() + "-" + kind.command() + "-");
            Files.writeString(dir.resolve("leases"), "");
            Files.writeString(dir.resolve("server.conf"),
                kind == Kind.KEA ? keaConfig(config, dir) : dhcpdConfig(config));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("server.log");
        List<String> command = kind == Kind.KEA
            ? List.of("env", "KEA_PIDFILE_DIR=" + dir, "KEA_LOCKFILE_DIR=" + dir, "kea-dhcp4", "-c",
                dir.resolve("server.conf").toString())
            : List.of("dhcpd", "-4", "-f", "-d", "-cf", dir.resolve("server.conf").toString(), "-lf",
                dir.resolve("leases").toString(), "-pf", dir.resolve("dhcpd.pid").toString(), config.iface());
        Process p = Exec.start(log, NetnsLab.inNs(ns, command.toArray(String[]::new)));
        TenantServer server = new TenantServer(kind, p, dir, log);
        String readyLine = kind == Kind.KEA ? "DHCP4_STARTED" : "Server starting service.";
        if (!Waits.until(dir, () -> server.log().contains(readyLine), timeout, p::isAlive))
        {
            String out = server.log();
            server.close();
            throw new LabException(kind.command() + " did not start in " + ns + ":\n" + out);
        }
        return server;
    }

    /** Memfile leases, with the relay agent information each lease came with kept in its user context. */
    private static String keaConfig(Config c, Path dir)
    {
        StringBuilder options = new StringBuilder("{ \"name\": \"routers\", \"data\": \"" + c.router() + "\" }");
        if (!c.dns().isEmpty())
        {
            options.append(", { \"name\": \"domain-name-servers\", \"data\": \"").append(String.join(", ", c.dns()))
                .append("\" }");
        }
        return """
            { "Dhcp4": {
                "interfaces-config": { "interfaces": [ "%s" ], "dhcp-socket-type": "udp" },
                "lease-database": { "type": "memfile", "persist": true, "name": "%s", "lfc-interval": 0 },
                "store-extended-info": true,
                "valid-lifetime": %d,
                "subnet4": [ { "id": 1, "subnet": "%s/24", "pools": [ { "pool": "%s - %s" } ],
                               "option-data": [ %s ] } ],
                "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ],
                               "severity": "DEBUG", "debuglevel": 40 } ] } }
            """.formatted(c.iface(), dir.resolve("leases"), c.leaseTime().toSeconds(), c.network(),
            c.rangeStart(), c.rangeEnd(), options);
    }

    /** No ping before an offer: it would hold the OFFER back a second, past the agent's tries. BOOTP clients too. */
    private static String dhcpdConfig(Config c)
    {
        return """
            authoritative;
            ddns-update-style none;
            ping-check false;
            default-lease-time %1$d;
            max-lease-time %1$d;
            subnet %2$s netmask 255.255.255.0 { }
            subnet %3$s netmask 255.255.255.0 {
                allow bootp;
                range dynamic-bootp %4$s %5$s;
                option routers %6$s;
                option subnet-mask 255.255.255.0;
                %7$s
            }
            """.formatted(c.leaseTime().toSeconds(), c.linkNetwork(), c.network(), c.rangeStart(), c.rangeEnd(),
            c.router(), c.dns().isEmpty() ? "" : "option domain-name-servers " + String.join(", ", c.dns()) + ";");
    }

    public Kind kind()
    {
        return kind;
    }

    /** The lease file as the server wrote it. */
    public String leases()
    {
        try
        {
            return Files.readString(dir.resolve("leases"));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The last record of {@code ip} in an ISC dhcpd lease file ({@code dhcpd.leases(5)}), or "" when there is none
     * yet. A record ends at the line that is only "}": a quoted string in it may hold a brace, as a client id's bytes
     * do, printed as they are when printable. A record being written (no end yet) is none yet.
     */
    public static String lastDhcpdLease(String leases, String ip)
    {
        int at = leases.lastIndexOf("lease " + ip + " {");
        int end = at < 0 ? -1 : leases.indexOf("\n}", at);
        return end < 0 ? "" : leases.substring(at, end + 2);
    }

    public String log()
    {
        return Exec.logOf(log);
    }

    /** Stops the server, as a tenant's server that goes down; its files stay until {@link #close()}. */
    public void stop()
    {
        Exec.kill(process.toHandle(), Duration.ofSeconds(3));
    }

    @Override
    public void close()
    {
        stop();
        NetnsLab.deleteTree(dir);
    }
}
