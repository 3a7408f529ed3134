package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs real DHCP clients (udhcpc, dhclient, dhcpcd) inside a VM's namespace, as DESIGN §7 prescribes, and returns
 * the lease each one reported. Every client gets a script that only records what it was told into a run directory
 * of this object's (never /etc/resolv.conf or another file of the machine) and, if {@code applyToInterface}, applies
 * address, default route and MTU to the VM's own interface, which lives in the VM's own namespace. Applying is what
 * lets a client unicast its RENEWING request and lets a test read the result back with {@link InterfaceState}.
 *
 * <p>{@link #close()} stops the sessions and the dhclient daemons this object started and deletes its files.
 */
public final class DhcpClients implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final boolean apply;
    private final Path workDir;
    private final AtomicInteger runs = new AtomicInteger();
    private final List<Path> dhclientPidFiles = new ArrayList<>();
    private final List<UdhcpcSession> sessions = new ArrayList<>();

    /** Clients that apply their leases to the VM's interface. */
    public DhcpClients() {
        this(true);
    }

    public DhcpClients(boolean applyToInterface) {
        this.apply = applyToInterface;
        try {
            // Same prefix scheme as NetnsLab's work dirs, so a killed run's leftovers are swept.
            workDir = Files.createTempDirectory("dvmc-lab-" + ProcessHandle.current().pid() + "-c"
                    + INSTANCES.incrementAndGet() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean appliesToInterface() {
        return apply;
    }

    /** {@code udhcpc -f -n -q} in {@code ns}: one DORA, then exits; returns the bound lease. */
    public Lease udhcpc(String ns, String ifname, Duration timeout) {
        Path run = newRun("udhcpc", ns);
        Path script = writeScript(run, "udhcpc");
        Exec.Result r = Exec.run(timeout, NetnsLab.inNs(ns, "udhcpc", "-f", "-n", "-q", "-i", ifname,
                "-s", script.toString(), "-t", "3", "-T", "2", "-A", "1", "-O", "mtu"));
        return leaseOf(ns, run, r);
    }

    /**
     * {@code dhclient -4 -1} in {@code ns}. dhclient daemonizes once bound and keeps running (it would renew at T1);
     * it is stopped by its pid file in {@link #close()} or {@link #stopDhclients()}.
     */
    public Lease dhclient(String ns, String ifname, Duration timeout) {
        return dhclient(ns, ifname, timeout, null);
    }

    /**
     * {@link #dhclient(String, String, Duration)} with the lease database {@code leaseFile}: a lease already in it makes
     * dhclient start in INIT-REBOOT (RFC 2131 §3.2), as a VM that moved to another host with its memory does.
     */
    public Lease dhclient(String ns, String ifname, Duration timeout, Path leaseFile) {
        Path run = newRun("dhclient", ns);
        Path script = writeScript(run, "dhclient");
        Path conf = run.resolve("dhclient.conf");
        Path pidFile = run.resolve("dhclient.pid");
        long seconds = Math.max(1, timeout.toSeconds());
        write(conf, """
                # dvmc lab: ask for what a VM needs; give up after the test's deadline.
                timeout %d;
                retry 1;
                request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name, interface-mtu;
                """.formatted(seconds));
        synchronized (this) {
            dhclientPidFiles.add(pidFile);
        }
        Exec.Result r = Exec.run(timeout.plusSeconds(5), NetnsLab.inNs(ns, "dhclient", "-4", "-1", "-v",
                "-cf", conf.toString(), "-sf", script.toString(), "-pf", pidFile.toString(),
                "-lf", (leaseFile != null ? leaseFile : run.resolve("dhclient.leases")).toString(), ifname));
        return leaseOf(ns, run, r);
    }

    /**
     * {@code dhcpcd -1 -4 -B --noarp --nodelay} in {@code ns}, inside {@code unshare -m} with a tmpfs on /run and a
     * directory of ours bind-mounted on /var/lib/dhcpcd: dhcpcd cannot be told to keep its state elsewhere, and the
     * private mount namespace keeps both mounts away from the machine. {@code noconfigure}: only the script (if
     * applying) touches the interface, as with the other clients.
     */
    public Lease dhcpcd(String ns, String ifname, Duration timeout) {
        Path run = newRun("dhcpcd", ns);
        Path script = writeScript(run, "dhcpcd");
        Path conf = run.resolve("dhcpcd.conf");
        Path db = run.resolve("db");
        try {
            Files.createDirectories(db);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(conf, """
                # dvmc lab: ask for what a VM needs; the hook script does any configuring.
                option subnet_mask, routers, domain_name_servers, domain_name, interface_mtu
                noconfigure
                """);
        long seconds = Math.max(1, timeout.toSeconds());
        Exec.Result r = Exec.run(timeout.plusSeconds(5), NetnsLab.inNs(ns, "unshare", "-m", "--propagation",
                "private", "sh", "-c",
                "mount -t tmpfs tmpfs /run && mount --bind \"$1\" /var/lib/dhcpcd && shift && exec dhcpcd \"$@\"",
                "sh", db.toString(), "-1", "-4", "-B", "--noarp", "--nodelay", "-f", conf.toString(),
                "-c", script.toString(), "-t", Long.toString(seconds), ifname));
        return leaseOf(ns, run, r);
    }

    /**
     * Starts udhcpc in {@code ns} without {@code -q}: it stays bound and renews, here on demand through
     * {@link UdhcpcSession#renew()} (SIGUSR1).
     */
    public UdhcpcSession start(String ns, String ifname) {
        return start(ns, ifname, true);
    }

    /**
     * Starts udhcpc in {@code ns} that, as a VM does, keeps sending DISCOVERs (three, then one second's pause) until
     * it is answered, then stays bound.
     */
    public UdhcpcSession startUntilBound(String ns, String ifname) {
        return start(ns, ifname, false);
    }

    private synchronized UdhcpcSession start(String ns, String ifname, boolean exitIfUnanswered) {
        Path run = newRun("udhcpc-session", ns);
        Path script = writeScript(run, "udhcpc");
        Path log = run.resolve("udhcpc.log");
        List<String> command = new ArrayList<>(List.of("udhcpc", "-f", "-i", ifname, "-s", script.toString(),
                "-t", "3", "-T", "2", "-A", "1", "-O", "mtu"));
        if (exitIfUnanswered) {
            command.add(1, "-n");
        }
        Process p = Exec.start(log, NetnsLab.inNs(ns, command.toArray(String[]::new)));
        UdhcpcSession s = new UdhcpcSession(ns, p, new EventDir(run.resolve("events")), log);
        sessions.add(s);
        return s;
    }

    /** Stops every dhclient daemon started so far, by the pid in its pid file. */
    public void stopDhclients() {
        List<Path> files;
        synchronized (this) {
            files = List.copyOf(dhclientPidFiles);
            dhclientPidFiles.clear();
        }
        for (Path f : files) {
            try {
                if (Files.exists(f)) {
                    long pid = Long.parseLong(Files.readString(f).strip());
                    ProcessHandle.of(pid).ifPresent(h -> Exec.kill(h, Duration.ofSeconds(3)));
                }
            } catch (IOException | NumberFormatException e) {
                // no daemon (dhclient failed before writing its pid): nothing to stop
            }
        }
    }

    @Override
    public void close() {
        List<UdhcpcSession> open;
        synchronized (this) {
            open = List.copyOf(sessions);
            sessions.clear();
        }
        open.forEach(UdhcpcSession::close);
        stopDhclients();
        NetnsLab.deleteTree(workDir);
    }

    private Lease leaseOf(String ns, Path run, Exec.Result r) {
        List<ClientEvent> events = new EventDir(run.resolve("events")).events();
        for (ClientEvent e : events) {
            if (e.hasLease()) {
                return e.lease(ns);
            }
        }
        throw new LabException("no lease in " + ns + ": " + r.describe() + "\nrecorded events: "
                + events.stream().map(ClientEvent::name).toList());
    }

    private Path newRun(String client, String ns) {
        Path run = workDir.resolve(runs.incrementAndGet() + "-" + client + "-" + ns);
        try {
            Files.createDirectories(run.resolve("events"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return run;
    }

    private Path writeScript(Path run, String client) {
        Path script = run.resolve("record.sh");
        write(script, script(run.toAbsolutePath().toString(), client, apply));
        try {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The recording script. udhcpc passes the event as $1 and options as ip, subnet, mask (prefix), router, dns,
     * mtu, lease, serverid; dhclient and dhcpcd pass $reason and new_* variables. The script normalises both to
     * the same keys so {@link Lease} has one parser. Apply first, record second: once a test sees the event, the
     * interface is already configured.
     */
    static String script(String runDir, String client, boolean apply) {
        return """
                #!/bin/sh
                # Generated by io.dvmc.lab.DhcpClients. Writes only under its run directory and, when apply=1,
                # configures the interface it was called for, inside the VM's own network namespace.
                dir='%s'
                apply=%d
                client=%s
                if [ "$client" = udhcpc ]; then
                  event=$1; addr=$ip; netmask=$subnet; prefix=$mask; routers=$router; servers=$dns
                  ifmtu=$mtu; leasetime=$lease; server=$serverid
                else
                  event=$(printf '%%s' "$reason" | tr 'A-Z' 'a-z'); addr=$new_ip_address; netmask=$new_subnet_mask
                  prefix=$new_subnet_cidr; routers=$new_routers; servers=$new_domain_name_servers
                  ifmtu=$new_interface_mtu; leasetime=$new_dhcp_lease_time; server=$new_dhcp_server_identifier
                fi
                iface=$interface
                applied=no
                if [ "$apply" = 1 ] && [ -n "$iface" ]; then
                  applied=ok
                  case $event in
                    bound|renew|rebind|reboot)
                      if [ -n "$addr" ]; then
                        # A new address replaces the old one; the same address only has its lifetime refreshed.
                        ip -4 -o addr show dev "$iface" | grep -q " $addr/" || ip -4 addr flush dev "$iface"
                        ip addr replace "$addr/${prefix:-$netmask}" dev "$iface" || applied=failed
                        if [ -n "$ifmtu" ]; then ip link set dev "$iface" mtu "$ifmtu" || applied=failed; fi
                        if [ -n "$routers" ]; then
                          ip route replace default via "${routers%%%% *}" dev "$iface" || applied=failed
                        fi
                      fi ;;
                    deconfig|expire|release|stop|stopped|nak)
                      ip -4 addr flush dev "$iface" || applied=failed ;;
                    preinit)
                      ip link set dev "$iface" up || applied=failed ;;
                  esac
                fi
                tmp="$dir/events/.$$.tmp"
                {
                  echo "event=$event"
                  echo "client=$client"
                  echo "interface=$iface"
                  echo "ip=$addr"
                  echo "mask=$netmask"
                  echo "prefix=$prefix"
                  echo "router=${routers%%%% *}"
                  echo "routers=$routers"
                  echo "dns=$servers"
                  echo "mtu=$ifmtu"
                  echo "lease=$leasetime"
                  echo "serverid=$server"
                  echo "applied=$applied"
                  env | grep -E '^(new_|old_|reason=|ip=|subnet=|mask=|router=|dns=|mtu=|lease=|serverid=|domain=|broadcast=|siaddr=|opt[0-9]+=|staticroutes=)' | sed 's/^/env./'
                } > "$tmp"
                # Rename is atomic: a reader never sees half an event. Names sort by time.
                mv "$tmp" "$dir/events/$(date +%%s%%N)-$$.ev"
                exit 0
                """.formatted(runDir.replace("'", "'\\''"), apply ? 1 : 0, client);
    }
}
