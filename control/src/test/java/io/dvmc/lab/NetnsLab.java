package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A host network namespace and VM namespaces wired to it by veth pairs, as DESIGN §7 tier 3 needs: each VM sees
 * {@code eth0} with its MAC; the host end lives in the host namespace, where {@code dvmc dataplane} attaches it as
 * {@code net_af_packet} (or a test runs a DHCP server on it).
 *
 * <p>Names: namespaces are {@code dvmc-<pid>-<lab>-h} and {@code dvmc-<pid>-<lab>-v<i>}, host-end interfaces
 * {@code dv<pid base36><lab base36>v<i>} (at most 15 characters). The pid lets a later run recognise namespaces of
 * a killed run ({@link #sweepStale()}) without touching those of a run still alive. Veths are created directly in
 * their namespaces, so nothing ever appears in the root namespace, and deleting a namespace deletes its veths.
 *
 * <p>{@link #close()} kills the processes it spawned and anything else still running in its namespaces, deletes the
 * namespaces and the work directory; a shutdown hook does the same if the JVM is stopped before close.
 */
public final class NetnsLab implements AutoCloseable
{
    private static final Pattern LLADDR = Pattern.compile("lladdr (\\S+)");
    /** Namespaces owned by lab runs, demo.sh included: {@code dvmc-<owner pid>-...}. */
    private static final Pattern OWNED = Pattern.compile("^dvmc-(\\d+)-.+");
    private static final Pattern WORKDIR = Pattern.compile("^dvmc-lab-(\\d+)-.+");
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final AtomicInteger LABS = new AtomicInteger();
    private static volatile boolean swept;

    /** One VM: its namespace, its interface inside it, its MAC and the name of its veth peer in the host namespace. */
    public record Vm(int index, String ns, String ifname, String mac, String hostIf)
    {
    }

    private final long pid = ProcessHandle.current().pid();
    private final int lab;
    private final String nsPrefix;
    private final String ifPrefix;
    private final String hostNs;
    private final Path workDir;
    private final List<Vm> vms = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    private NetnsLab()
    {
        lab = LABS.incrementAndGet();
        nsPrefix = "dvmc-" + pid + "-" + lab + "-";
        ifPrefix = "dv" + Long.toString(pid, 36) + Integer.toString(lab, 36);
        hostNs = nsPrefix + "h";
        try
        {
            workDir = Files.createTempDirectory("dvmc-lab-" + pid + "-" + lab + "-");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        shutdownHook = new Thread(this::cleanup, "netns-lab-cleanup-" + lab);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A host namespace and {@code vmCount} VMs with generated, run-unique, locally administered MACs. */
    public static NetnsLab create(int vmCount)
    {
        NetnsLab lab = create();
        try
        {
            for (int i = 0; i < vmCount; i++)
            {
                lab.addVm(lab.generatedMac(i));
            }
        }
        catch (RuntimeException e)
        {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** A host namespace and one VM per MAC, in order. */
    public static NetnsLab create(String... macs)
    {
        NetnsLab lab = create();
        try
        {
            for (String mac : macs)
            {
                lab.addVm(mac);
            }
        }
        catch (RuntimeException e)
        {
            lab.close();
            throw e;
        }
        return lab;
    }

    private static NetnsLab create()
    {
        sweepOnce();
        NetnsLab lab = new NetnsLab();
        try
        {
            lab.addNamespace(lab.hostNs);
        }
        catch (RuntimeException e)
        {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** Adds a VM namespace with {@code eth0} (MAC {@code mac}) whose veth peer is up in the host namespace. */
    public synchronized Vm addVm(String mac)
    {
        int i = vms.size();
        String ns = nsPrefix + "v" + i;
        String hostIf = ifPrefix + "v" + i;
        if (hostIf.length() > 15)
        {
            throw new LabException("interface name too long: " + hostIf);
        }
        addNamespace(ns);
        // Both ends are born in their namespaces: no name ever exists in the root namespace.
        Exec.check(STEP, "ip", "-n", hostNs, "link", "add", hostIf, "type", "veth", "peer", "name", "eth0",
            "netns", ns);
        Exec.check(STEP, "ip", "-n", ns, "link", "set", "eth0", "address", mac);
        Exec.check(STEP, "ip", "-n", ns, "link", "set", "eth0", "up");
        Exec.check(STEP, "ip", "-n", hostNs, "link", "set", hostIf, "up");
        Vm vm = new Vm(i, ns, "eth0", mac, hostIf);
        vms.add(vm);
        return vm;
    }

    private void addNamespace(String ns)
    {
        Exec.check(STEP, "ip", "netns", "add", ns);
        namespaces.add(ns);
        // IPv6 off inside our namespaces only: no router solicitations or MLD reports in DHCP captures.
        Exec.check(STEP, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1");
        Exec.check(STEP, "ip", "-n", ns, "link", "set", "lo", "up");
    }

    private String generatedMac(int i)
    {
        return String.format("02:%02x:%02x:%02x:%02x:%02x", (pid >> 16) & 0xff, (pid >> 8) & 0xff, pid & 0xff,
            lab & 0xff, i & 0xff);
    }

    public String hostNs()
    {
        return hostNs;
    }

    public synchronized List<Vm> vms()
    {
        return List.copyOf(vms);
    }

    /** The VM at {@code index}, in creation order from 0. */
    public synchronized Vm vm(int index)
    {
        return vms.get(index);
    }

    /** Name of the VM's veth peer inside the host namespace (what {@code iface=} of net_af_packet takes). */
    public String hostIfName(Vm vm)
    {
        return vm.hostIf();
    }

    public synchronized String hostIfName(int index)
    {
        return vms.get(index).hostIf();
    }

    /** The EAL vdev for {@code vm}'s host end as the dataplane takes it: "net_af_packet<i>,iface=<host end>". */
    public String afPacketVdev(Vm vm)
    {
        return "net_af_packet" + vm.index() + ",iface=" + vm.hostIf();
    }

    /**
     * A permanent ARP entry inside the VM for {@code ip}: lets a VM unicast (RENEWING, RELEASE) to a server address
     * that nothing in the lab answers ARP for.
     */
    public void staticNeighbor(Vm vm, String ip, String mac)
    {
        exec(vm.ns(), "ip", "neigh", "replace", ip, "lladdr", mac, "dev", vm.ifname(), "nud", "permanent");
    }

    /**
     * Has the VM's own kernel resolve {@code ip} by ARP, as a VM that has talked to it lately has, and waits until its
     * neighbour table holds {@code mac} for it: the kernel's own entry, not a {@link #staticNeighbor}. It sends ICMP
     * echo requests to {@code ip}, which nothing has to answer: the ARP exchange before them is the point.
     */
    public void resolveNeighbor(Vm vm, String ip, String mac, Duration timeout)
    {
        Await.until("the VM's kernel to resolve " + ip + " to " + mac, timeout, () -> {
            if (neighborMac(vm, ip).equals(mac))
            {
                return true;
            }
            run(vm.ns(), Duration.ofSeconds(5), "busybox", "ping", "-c", "1", "-W", "1", ip);
            return neighborMac(vm, ip).equals(mac);
        }, () -> "neighbour table: " + run(vm.ns(), Duration.ofSeconds(5), "ip", "neigh", "show", "dev", vm.ifname())
            .output());
    }

    /** The MAC the VM's neighbour table holds for {@code ip} ("" if none). */
    private String neighborMac(Vm vm, String ip)
    {
        String out = run(vm.ns(), Duration.ofSeconds(5), "ip", "neigh", "show", ip, "dev", vm.ifname()).output();
        Matcher m = LLADDR.matcher(out);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Drops, on the VM's interface, every UDP datagram to {@code ip}:{@code port} the VM sends (an nftables netdev
     * egress hook, inside the VM's namespace): a server the VM can no longer reach by unicast. Broadcasts pass.
     * Frames it drops are counted ({@link #blockedFrames}) and never reach a capture on the interface.
     */
    public void blockUnicast(Vm vm, String ip, int port)
    {
        exec(vm.ns(), "sh", "-c", "printf '%s' \"$1\" | nft -f -", "sh", """
            table netdev dvmclab {
              chain egress { type filter hook egress device "%s" priority 0; policy accept;
                ip daddr %s udp dport %d counter drop
              }
            }
            """.formatted(vm.ifname(), ip, port));
    }

    /** How many frames {@link #blockUnicast} dropped so far. */
    public long blockedFrames(Vm vm)
    {
        String out = exec(vm.ns(), "nft", "list", "table", "netdev", "dvmclab").output();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Lifts {@link #blockUnicast}. */
    public void unblockUnicast(Vm vm)
    {
        exec(vm.ns(), "nft", "delete", "table", "netdev", "dvmclab");
    }

    /**
     * Puts another host with address {@code cidr} on the VM's L2 segment: a macvlan of the VM's veth peer in a
     * namespace of its own, whose kernel answers ARP for the address (RFC 5227 probes included). Removed with the
     * lab; returns its namespace.
     */
    public synchronized String addSquatter(Vm vm, String cidr)
    {
        String ns = nsPrefix + "s" + vm.index();
        String ifname = ifPrefix + "s" + vm.index();
        addNamespace(ns);
        Exec.check(STEP, "ip", "-n", hostNs, "link", "add", ifname, "link", vm.hostIf(), "type", "macvlan",
            "mode", "bridge");
        Exec.check(STEP, "ip", "-n", hostNs, "link", "set", ifname, "netns", ns);
        Exec.check(STEP, "ip", "-n", ns, "addr", "add", cidr, "dev", ifname);
        Exec.check(STEP, "ip", "-n", ns, "link", "set", ifname, "up");
        return ns;
    }

    /** Every namespace this lab created, host first. */
    public synchronized List<String> namespaces()
    {
        return List.copyOf(namespaces);
    }

    /** Prefix of every interface name this lab creates. */
    public String ifPrefix()
    {
        return ifPrefix;
    }

    /** A directory of this lab's, removed by {@link #close()}. */
    public Path workDir()
    {
        return workDir;
    }

    /** Runs {@code cmd} inside {@code ns} (root namespace if null) with a 30 s deadline; throws if it fails. */
    public Exec.Result exec(String ns, String... cmd)
    {
        return exec(ns, Duration.ofSeconds(30), cmd);
    }

    /** Runs {@code cmd} inside {@code ns} (root namespace if null); throws if it fails or outlives the deadline. */
    public Exec.Result exec(String ns, Duration timeout, String... cmd)
    {
        return run(ns, timeout, cmd).check();
    }

    /** Like {@link #exec} but returns the result whatever the exit code. */
    public Exec.Result run(String ns, Duration timeout, String... cmd)
    {
        return Exec.run(timeout, inNs(ns, cmd));
    }

    /** Starts {@code cmd} in the background inside {@code ns}, output to {@code log}; killed by {@link #close()}. */
    public synchronized Process spawn(String ns, Path log, String... cmd)
    {
        Process p = Exec.start(log, inNs(ns, cmd));
        processes.add(p);
        return p;
    }

    static List<String> inNs(String ns, String... cmd)
    {
        List<String> all = new ArrayList<>();
        if (ns != null && !ns.isEmpty())
        {
            Collections.addAll(all, "ip", "netns", "exec", ns);
        }
        Collections.addAll(all, cmd);
        return all;
    }

    /** Names from {@code ip netns list} (without the "(id: n)" suffix). */
    public static List<String> listNamespaces()
    {
        String out = Exec.check(STEP, "ip", "netns", "list").output();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0]).toList();
    }

    private static synchronized void sweepOnce()
    {
        if (!swept)
        {
            swept = true;
            sweepStale();
        }
    }

    /**
     * Removes namespaces ({@code dvmc-<pid>-...}) and work directories left by runs whose owning process is gone
     * (a killed JVM, a demo.sh killed with -9), killing the processes still inside those namespaces.
     */
    public static void sweepStale()
    {
        for (String ns : listNamespaces())
        {
            Matcher m = OWNED.matcher(ns);
            if (m.matches() && !alive(Long.parseLong(m.group(1))))
            {
                killAllIn(ns);
                Exec.run(STEP, "ip", "netns", "del", ns);
            }
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, "dvmc-lab-*"))
        {
            for (Path d : dirs)
            {
                Matcher m = WORKDIR.matcher(d.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(1))))
                {
                    deleteTree(d);
                }
            }
        }
        catch (IOException e)
        {
            // only housekeeping: a leftover directory does not break a run
        }
    }

    private static boolean alive(long pid)
    {
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Pids of processes whose network namespace is {@code ns}. */
    public static List<Long> pidsIn(String ns)
    {
        Exec.Result r = Exec.run(STEP, "ip", "netns", "pids", ns);
        if (!r.ok())
        {
            return List.of();
        }
        return r.output().lines().map(String::strip).filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
    }

    private static void killAllIn(String ns)
    {
        for (long p : pidsIn(ns))
        {
            ProcessHandle.of(p).ifPresent(h -> Exec.kill(h, Duration.ofSeconds(3)));
        }
    }

    /** Kills what the lab started, then everything left in its namespaces, deletes namespaces and work dir. */
    @Override
    public void close()
    {
        List<String> failures = cleanup();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (IllegalStateException e)
        {
            // already shutting down: the hook runs cleanup, which is idempotent
        }
        if (!failures.isEmpty())
        {
            throw new LabException("lab cleanup left: " + String.join("; ", failures));
        }
    }

    private synchronized List<String> cleanup()
    {
        List<String> failures = new ArrayList<>();
        if (closed)
        {
            return failures;
        }
        closed = true;
        for (Process p : processes)
        {
            Exec.kill(p.toHandle(), Duration.ofSeconds(3));
        }
        // VMs first, then the host: a daemonized client (dhclient) or a dataplane may still run inside.
        List<String> order = new ArrayList<>(namespaces);
        Collections.reverse(order);
        for (String ns : order)
        {
            killAllIn(ns);
            Exec.Result r = Exec.run(STEP, "ip", "netns", "del", ns);
            if (!r.ok() && listNamespaces().contains(ns))
            {
                failures.add(r.describe());
            }
        }
        deleteTree(workDir);
        return failures;
    }

    static void deleteTree(Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
        catch (IOException e)
        {
            // a busy mount point or a vanished file: leave the rest to the next sweep
        }
    }
}
