package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * systemd-networkd (Debian 12: systemd 252) run directly, not as a unit of a PID 1 systemd, as the DHCP client of a
 * VM's namespace. It runs inside {@code unshare -m} with a run directory of ours bind-mounted on /run (its .network
 * file goes to /run/systemd/network, its state to /run/systemd/netif, where the test reads the lease) and /sys
 * remounted read-only: on a writable /sys networkd assumes udev is running and waits forever for udev to announce
 * the link. It drops to the systemd-network user itself; without a system bus it only logs that it cannot set the
 * hostname. networkd configures the interface itself (address, routes including option 121, MTU) and hands DNS
 * and the search list to resolved through its link state file.
 */
public final class NetworkdSession implements RunningClient
{
    static final String BINARY = "/lib/systemd/systemd-networkd";

    private final String ns;
    private final Process process;
    private final Path run;
    private final Path netif;
    private final Path log;
    private final Set<String> returned = new HashSet<>();

    private NetworkdSession(String ns, Process process, Path run, Path log)
    {
        this.ns = ns;
        this.process = process;
        this.run = run;
        this.netif = run.resolve("systemd/netif");
        this.log = log;
    }

    /**
     * Starts networkd in {@code ns} for {@code ifname} with a run directory under {@code runDir}. With
     * {@code keepLease} ({@code KeepConfiguration=dhcp}) a networkd started on a link that still has its DHCP address
     * asks for it in INIT-REBOOT (RFC 2131 §3.2), as after a switch from the initrd, and keeps the lease when it
     * stops; without, it releases the lease as it stops. With {@code sendDecline} networkd probes the address it is
     * given (RFC 5227) and DECLINEs it if another host answers.
     */
    static NetworkdSession start(String ns, String ifname, Path runDir, boolean sendDecline, boolean keepLease)
    {
        Path run = runDir.resolve("run");
        Path network = run.resolve("systemd/network");
        try
        {
            Files.createDirectories(network);
            Files.writeString(network.resolve("10-dvmc-lab.network"), """
                # dvmc lab: DHCPv4 only, everything a VM needs from the lease, nothing else on the link.
                [Match]
                Name=%s

                [Network]
                DHCP=ipv4
                LinkLocalAddressing=no
                IPv6AcceptRA=no
                KeepConfiguration=%s

                [DHCPv4]
                UseMTU=yes
                UseDomains=yes
                UseHostname=no
                SendDecline=%s
                """.formatted(ifname, keepLease ? "dhcp" : "no", sendDecline ? "yes" : "no"));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        Path log = runDir.resolve("networkd.log");
        Process p = Exec.start(log, NetnsLab.inNs(ns, "unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount --bind \"$1\" /run && mount -o remount,bind,ro /sys && exec env SYSTEMD_LOG_LEVEL=debug " + BINARY,
            "sh", run.toString()));
        return new NetworkdSession(ns, p, run, log);
    }

    @Override
    public String client()
    {
        return "systemd-networkd";
    }

    @Override
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * networkd's lease file as the lab's lease, once networkd has configured the link with it; each distinct version
     * of the file is returned once.
     */
    @Override
    public synchronized Lease awaitLease(Predicate<Lease> match, Duration timeout)
    {
        Lease[] found = new Lease[1];
        // Watches the run directory, which exists from the start; the state files below it are re-read each slice.
        Waits.until(run, () -> {
            // networkd promises no order between writing the lease file and the kernel having the address, MTU and
            // routes it asked for; the link's state file says when they are all in place.
            Map<String, String> link = stateFile("links");
            if (link == null || !"configured".equals(link.get("ADMIN_STATE")))
            {
                return false;
            }
            Map<String, String> vars = leaseVars();
            if (vars == null || returned.contains(vars.toString()))
            {
                return false;
            }
            Lease lease = Lease.from(ns, new ClientEvent("networkd", "bound", vars));
            if (!match.test(lease))
            {
                return false;
            }
            returned.add(vars.toString());
            found[0] = lease;
            return true;
        }, timeout, process::isAlive);
        if (found[0] == null)
        {
            throw new LabException("systemd-networkd in " + ns + ": no matching lease within " + timeout +
                (process.isAlive() ? "" : " (networkd exited)") + "; lease file " + leaseVars() + "; link " +
                stateFile("links") + "; output:\n" +
                output());
        }
        return found[0];
    }

    /** The lease file's keys under the lab's names (see {@link DhcpClients#script}), null while there is none. */
    private Map<String, String> leaseVars()
    {
        Map<String, String> file = stateFile("leases");
        if (file == null || !file.containsKey("ADDRESS"))
        {
            return null;
        }
        Map<String, String> v = new LinkedHashMap<>();
        v.put("client", "systemd-networkd");
        v.put("interface", "");
        v.put("ip", file.get("ADDRESS"));
        v.put("mask", file.getOrDefault("NETMASK", ""));
        v.put("router", file.getOrDefault("ROUTER", "").split(" ")[0]);
        v.put("dns", file.getOrDefault("DNS", ""));
        v.put("mtu", file.getOrDefault("MTU", ""));
        v.put("lease", file.getOrDefault("LIFETIME", ""));
        v.put("serverid", file.getOrDefault("SERVER_ADDRESS", ""));
        v.put("domain", file.getOrDefault("DOMAINNAME", ""));
        v.put("search", file.getOrDefault("DOMAIN_SEARCH_LIST", ""));
        // "destination/length,gateway ..." as "destination/length gateway ..."
        v.put("routes", file.getOrDefault("CLASSLESS_ROUTES", "").replace(',', ' '));
        file.forEach((k, value) -> v.put("env." + k, value));
        return v;
    }

    /** The link state file networkd writes for resolved: DNS= and DOMAINS=. */
    @Override
    public Resolver resolver()
    {
        Map<String, String> link = stateFile("links");
        if (link == null)
        {
            return new Resolver(List.of(), List.of(), null);
        }
        return new Resolver(Lease.words(link.get("DNS")), Lease.words(link.get("DOMAINS")), null);
    }

    /** KEY=VALUE lines of the state file of the one non-loopback link under {@code kind}, null if none. */
    private Map<String, String> stateFile(String kind)
    {
        Path dir = netif.resolve(kind);
        if (!Files.isDirectory(dir))
        {
            return null;
        }
        List<Map<String, String>> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir))
        {
            for (Path f : ds)
            {
                Map<String, String> kv = new HashMap<>();
                for (String line : Files.readAllLines(f))
                {
                    int eq = line.indexOf('=');
                    if (!line.startsWith("#") && eq > 0)
                    {
                        kv.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
                if (!"unmanaged".equals(kv.get("ADMIN_STATE")))
                {
                    files.add(kv);
                }
            }
        }
        catch (IOException e)
        {
            // networkd replaces these files by rename; a vanished one is read on the next look
            return null;
        }
        return files.isEmpty() ? null : files.getFirst();
    }

    /**
     * SIGTERM: networkd stops its DHCP client, which sends DHCPRELEASE (SendRelease= defaults to yes) unless it was
     * started to keep its lease.
     */
    @Override
    public void release()
    {
        Exec.kill(process.toHandle(), Duration.ofSeconds(5));
    }

    @Override
    public void crash()
    {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.onExit().join();
    }

    @Override
    public String output()
    {
        return Exec.logOf(log);
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        }
    }
}
