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
public final class Dnsmasq implements AutoCloseable {
    /**
     * What dnsmasq hands out on {@code iface}: a pool with its mask and lease time, router, DNS servers, MTU
     * (0: not sent); {@code extraArgs} go to dnsmasq as they are.
     */
    public record Config(String iface, String rangeStart, String rangeEnd, String mask, Duration leaseTime,
            String router, List<String> dns, int mtu, List<String> extraArgs) {
        public Config {
            dns = List.copyOf(dns);
            extraArgs = List.copyOf(extraArgs);
        }
    }

    private final Config config;
    private final Process process;
    private final Path dir;
    private final Path log;

    private Dnsmasq(Config config, Process process, Path dir, Path log) {
        this.config = config;
        this.process = process;
        this.dir = dir;
        this.log = log;
    }

    /** Starts dnsmasq inside {@code ns} and returns once it listens for DHCP on {@code config.iface()}. */
    public static Dnsmasq start(String ns, Config config, Duration timeout) {
        Path dir;
        try {
            dir = Files.createTempDirectory("dvmc-lab-" + ProcessHandle.current().pid() + "-dnsmasq-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("dnsmasq.log");
        List<String> args = new ArrayList<>(List.of("--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
                "--no-resolv", "--no-hosts", "--no-ping", "--dhcp-authoritative", "--bind-interfaces",
                "--interface=" + config.iface(), "--user=root", "--group=root", "--pid-file=",
                "--log-facility=-", "--log-dhcp", "--dhcp-leasefile=" + dir.resolve("leases"),
                "--dhcp-range=" + config.rangeStart() + "," + config.rangeEnd() + "," + config.mask() + ","
                        + config.leaseTime().toSeconds()));
        if (config.router() != null) {
            args.add("--dhcp-option=option:router," + config.router());
        }
        if (!config.dns().isEmpty()) {
            args.add("--dhcp-option=option:dns-server," + String.join(",", config.dns()));
        }
        if (config.mtu() > 0) {
            args.add("--dhcp-option=option:mtu," + config.mtu());
        }
        args.addAll(config.extraArgs());
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs tmpfs /run && exec dnsmasq \"$@\"", "sh"));
        cmd.addAll(args);
        Process p = Exec.start(log, NetnsLab.inNs(ns, cmd.toArray(String[]::new)));
        Dnsmasq d = new Dnsmasq(config, p, dir, log);
        // "--no-ping": dnsmasq would otherwise ping each address before offering it and delay the first OFFER.
        boolean ready = Waits.until(dir, () -> d.log().contains("DHCP, sockets bound exclusively"), timeout,
                p::isAlive);
        if (!ready) {
            String out = d.log();
            d.close();
            throw new LabException("dnsmasq did not start in " + ns + ":\n" + out);
        }
        return d;
    }

    public Config config() {
        return config;
    }

    /** The lease file's lines: "expiry mac ip hostname client-id". */
    public List<String> leases() {
        try {
            Path f = dir.resolve("leases");
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        NetnsLab.deleteTree(dir);
    }
}
