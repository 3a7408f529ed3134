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
public final class DhcpClients implements AutoCloseable
{
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final boolean apply;
    private final Path workDir;
    private final AtomicInteger runs = new AtomicInteger();
    private final List<Path> dhclientPidFiles = new ArrayList<>();
    private final List<RunningClient> sessions = new ArrayList<>();

    /** Clients that apply their leases to the VM's interface. */
    public DhcpClients()
    {
        this(true);
    }

    public DhcpClients(boolean applyToInterface)
    {
        this.apply = applyToInterface;
        try
        {
            // Same prefix scheme as NetnsLab's work dirs, so a killed run's leftovers are swept.
            workDir = Files.createTempDirectory(
                "dvmc-lab-" + ProcessHandle.current().pid() + "-c" + INSTANCES.incrementAndGet() + "-");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public boolean appliesToInterface()
    {
        return apply;
    }

    /** {@code udhcpc -f -n -q} in {@code ns}: one DORA, then exits; returns the bound lease. */
    public Lease udhcpc(String ns, String ifname, Duration timeout)
    {
        Path run = newRun("udhcpc", ns);
        Path script = writeScript(run, "udhcpc", false);
        Exec.Result r = Exec.run(timeout, NetnsLab.inNs(ns, "udhcpc", "-f", "-n", "-q", "-i", ifname,
            "-s", script.toString(), "-t", "3", "-T", "2", "-A", "1", "-O", "mtu", "-O", "search", "-O",
            "staticroutes"));
        return leaseOf(ns, run, r);
    }

    /**
     * {@code dhclient -4 -1} in {@code ns}. dhclient daemonizes once bound and keeps running (it would renew at T1);
     * it is stopped by its pid file in {@link #close()} or {@link #stopDhclients()}.
     */
    public Lease dhclient(String ns, String ifname, Duration timeout)
    {
        return dhclient(ns, ifname, timeout, (Path)null);
    }

    /**
     * {@link #dhclient(String, String, Duration)} with the lease database {@code leaseFile}: a lease already in it makes
     * dhclient start in INIT-REBOOT (RFC 2131 §3.2), as a VM that moved to another host with its memory does.
     */
    public Lease dhclient(String ns, String ifname, Duration timeout, Path leaseFile)
    {
        return dhclient(ns, ifname, timeout, leaseFile, "");
    }

    /**
     * {@link #dhclient(String, String, Duration)} with {@code extraConf} appended to its dhclient.conf, e.g. option
     * declarations and {@code also request} for options the lab's configuration does not ask for.
     */
    public Lease dhclient(String ns, String ifname, Duration timeout, String extraConf)
    {
        return dhclient(ns, ifname, timeout, null, extraConf);
    }

    private Lease dhclient(String ns, String ifname, Duration timeout, Path leaseFile, String extraConf)
    {
        Path run = newRun("dhclient", ns);
        Path script = writeScript(run, "dhclient", false);
        Path conf = run.resolve("dhclient.conf");
        Path pidFile = run.resolve("dhclient.pid");
        long seconds = Math.max(1, timeout.toSeconds());
        write(conf, dhclientConf(seconds) + extraConf);
        synchronized (this)
        {
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
    public Lease dhcpcd(String ns, String ifname, Duration timeout)
    {
        Path run = newRun("dhcpcd", ns);
        Path script = writeScript(run, "dhcpcd", false);
        Path conf = run.resolve("dhcpcd.conf");
        Path db = run.resolve("db");
        try
        {
            Files.createDirectories(db);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        write(conf, DHCPCD_CONF);
        long seconds = Math.max(1, timeout.toSeconds());
        Exec.Result r = Exec.run(timeout.plusSeconds(5), dhcpcdCommand(ns, db, "-1", "-4", "-B", "--noarp",
            "--nodelay", "-f", conf.toString(), "-c", script.toString(), "-t", Long.toString(seconds), ifname));
        return leaseOf(ns, run, r);
    }

    /** dhcpcd in a private mount namespace with a tmpfs on /run and {@code db} on /var/lib/dhcpcd. */
    private static List<String> dhcpcdCommand(String ns, Path db, String... args)
    {
        List<String> command = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs tmpfs /run && mount --bind \"$1\" /var/lib/dhcpcd && shift && exec dhcpcd \"$@\"",
            "sh", db.toString()));
        command.addAll(List.of(args));
        return NetnsLab.inNs(ns, command.toArray(String[]::new));
    }

    private static final String DHCPCD_CONF = """
        # dvmc lab: ask for what a VM needs; the hook script does any configuring.
        option subnet_mask, routers, domain_name_servers, domain_name, interface_mtu
        option domain_search, classless_static_routes
        noconfigure
        """;

    private static String dhclientConf(long timeoutSeconds)
    {
        return """
            # dvmc lab: ask for what a VM needs; give up after the test's deadline.
            option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
            timeout %d;
            retry 1;
            # Retransmit every 1-3 s, so that a short lease's T2 window is not stepped over.
            initial-interval 1;
            backoff-cutoff 2;
            request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name, interface-mtu,
                    domain-search, rfc3442-classless-static-routes;
            """.formatted(timeoutSeconds);
    }

    /**
     * Starts {@code dhclient -d} (in the foreground: it renews and rebinds on its own timers) with the lease database
     * {@code leaseFile}: a lease already in it makes dhclient start in INIT-REBOOT (RFC 2131 §3.2). With
     * {@code arpCheck} its script probes a bound address and makes dhclient DECLINE it if another host answers.
     * {@link RunningClient#release()} is {@code dhclient -r}, which stops the running one and sends DHCPRELEASE.
     */
    public synchronized UdhcpcSession startDhclient(String ns, String ifname, Path leaseFile, boolean arpCheck)
    {
        Path run = newRun("dhclient-session", ns);
        Path script = writeScript(run, "dhclient", arpCheck);
        Path conf = run.resolve("dhclient.conf");
        Path pidFile = run.resolve("dhclient.pid");
        write(conf, dhclientConf(60));
        List<String> files = List.of("-cf", conf.toString(), "-sf", script.toString(), "-pf", pidFile.toString(),
            "-lf", leaseFile.toString());
        List<String> command = new ArrayList<>(List.of("dhclient", "-4", "-d", "-v"));
        command.addAll(files);
        command.add(ifname);
        Path log = run.resolve("dhclient.log");
        Process p = Exec.start(log, NetnsLab.inNs(ns, command.toArray(String[]::new)));
        List<String> release = new ArrayList<>(List.of("dhclient", "-4", "-r", "-v"));
        release.addAll(files);
        release.add(ifname);
        UdhcpcSession s = new UdhcpcSession("dhclient", ns, p, new EventDir(run.resolve("events")), log,
            () -> Exec.run(Duration.ofSeconds(20), NetnsLab.inNs(ns, release.toArray(String[]::new))).check());
        sessions.add(s);
        return s;
    }

    /**
     * Starts dhcpcd in the foreground, renewing and rebinding on its own timers, with its lease database in
     * {@code db} (a lease there makes it start in INIT-REBOOT). Without {@code arpCheck} it skips its ARP probe;
     * with it dhcpcd probes every offered address (RFC 5227) and DECLINEs one that another host answers for.
     * {@link RunningClient#release()} is SIGALRM, dhcpcd's signal for "release and exit".
     */
    public synchronized UdhcpcSession startDhcpcd(String ns, String ifname, Path db, boolean arpCheck)
    {
        Path run = newRun("dhcpcd-session", ns);
        Path script = writeScript(run, "dhcpcd", false);
        Path conf = run.resolve("dhcpcd.conf");
        write(conf, DHCPCD_CONF);
        List<String> args = new ArrayList<>(List.of("-4", "-B", "-f", conf.toString(), "-c", script.toString(),
            "-t", "0"));
        if (!arpCheck)
        {
            args.addAll(List.of("--noarp", "--nodelay"));
        }
        args.add(ifname);
        Path log = run.resolve("dhcpcd.log");
        Process p = Exec.start(log, dhcpcdCommand(ns, db, args.toArray(String[]::new)));
        UdhcpcSession s = new UdhcpcSession("dhcpcd", ns, p, new EventDir(run.resolve("events")), log,
            () -> Exec.signal(p.pid(), "ALRM"));
        sessions.add(s);
        return s;
    }

    /**
     * Starts udhcpc in {@code ns} without {@code -q}: it stays bound and renews, here on demand through
     * {@link UdhcpcSession#renew()} (SIGUSR1).
     */
    public UdhcpcSession start(String ns, String ifname)
    {
        return start(ns, ifname, true);
    }

    /**
     * Starts udhcpc in {@code ns} that, as a VM does, keeps sending DISCOVERs (three, then one second's pause) until
     * it is answered, then stays bound.
     */
    public UdhcpcSession startUntilBound(String ns, String ifname)
    {
        return start(ns, ifname, false);
    }

    /**
     * Starts systemd-networkd as the DHCP client of {@code ifname} in {@code ns} ({@link NetworkdSession}).
     * {@link RunningClient#release()} stops it; without {@code keepLease} networkd releases its lease as it stops.
     */
    public synchronized NetworkdSession startNetworkd(String ns, String ifname, boolean sendDecline,
        boolean keepLease)
    {
        NetworkdSession s = NetworkdSession.start(ns, ifname, newRun("networkd", ns), sendDecline, keepLease);
        sessions.add(s);
        return s;
    }

    /**
     * Starts udhcpc in {@code ns} as {@link #startUntilBound} does, with {@code extra} arguments: {@code -a} (probe
     * the offered address with ARP and DECLINE it if answered), {@code -r IP} (ask for this address).
     */
    public UdhcpcSession startUdhcpc(String ns, String ifname, String... extra)
    {
        return start(ns, ifname, false, extra);
    }

    private synchronized UdhcpcSession start(String ns, String ifname, boolean exitIfUnanswered, String... extra)
    {
        Path run = newRun("udhcpc-session", ns);
        Path script = writeScript(run, "udhcpc", false);
        Path log = run.resolve("udhcpc.log");
        List<String> command = new ArrayList<>(List.of("udhcpc", "-f", "-i", ifname, "-s", script.toString(),
            "-t", "3", "-T", "2", "-A", "1", "-O", "mtu", "-O", "search", "-O", "staticroutes"));
        if (exitIfUnanswered)
        {
            command.add(1, "-n");
        }
        command.addAll(List.of(extra));
        Process p = Exec.start(log, NetnsLab.inNs(ns, command.toArray(String[]::new)));
        UdhcpcSession s = new UdhcpcSession(ns, p, new EventDir(run.resolve("events")), log);
        sessions.add(s);
        return s;
    }

    /** Stops every dhclient daemon started so far, by the pid in its pid file. */
    public void stopDhclients()
    {
        List<Path> files;
        synchronized (this)
        {
            files = List.copyOf(dhclientPidFiles);
            dhclientPidFiles.clear();
        }
        for (Path f : files)
        {
            try
            {
                if (Files.exists(f))
                {
                    long pid = Long.parseLong(Files.readString(f).strip());
                    ProcessHandle.of(pid).ifPresent(h -> Exec.kill(h, Duration.ofSeconds(3)));
                }
            }
            catch (IOException | NumberFormatException e)
            {
                // no daemon (dhclient failed before writing its pid): nothing to stop
            }
        }
    }

    @Override
    public void close()
    {
        List<RunningClient> open;
        synchronized (this)
        {
            open = List.copyOf(sessions);
            sessions.clear();
        }
        open.forEach(RunningClient::close);
        stopDhclients();
        NetnsLab.deleteTree(workDir);
    }

    private Lease leaseOf(String ns, Path run, Exec.Result r)
    {
        List<ClientEvent> events = new EventDir(run.resolve("events")).events();
        for (ClientEvent e : events)
        {
            if (e.hasLease())
            {
                return e.lease(ns);
            }
        }
        throw new LabException("no lease in " + ns + ": " + r.describe() + "\nrecorded events: " +
            events.stream().map(ClientEvent::name).toList());
    }

    private Path newRun(String client, String ns)
    {
        Path run = workDir.resolve(runs.incrementAndGet() + "-" + client + "-" + ns);
        try
        {
            Files.createDirectories(run.resolve("events"));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return run;
    }

    private Path writeScript(Path run, String client, boolean arpCheck)
    {
        Path script = run.resolve("record.sh");
        write(script, script(run.toAbsolutePath().toString(), client, apply, arpCheck));
        try
        {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return script;
    }

    private static void write(Path file, String text)
    {
        try
        {
            Files.writeString(file, text);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The recording script. udhcpc passes the event as $1 and options as ip, subnet, mask (prefix), router, dns,
     * mtu, lease, serverid, domain, search, staticroutes; dhclient and dhcpcd pass $reason and new_* variables. The
     * script normalises them to the same keys so {@link Lease} has one parser: routes (option 121, RFC 3442) as
     * "destination/length gateway" pairs, the search list (option 119) as names without a trailing dot. Apply first,
     * record second: once a test sees the event, the interface is already configured. What a resolver would be told
     * goes to {@code resolv.conf} in the run directory, never to the machine's.
     */
    static String script(String runDir, String client, boolean apply)
    {
        return script(runDir, client, apply, false);
    }

    /**
     * {@link #script(String, String, boolean)} that, with {@code arpCheck}, probes a newly bound address first
     * (busybox arping in duplicate-detection mode) and on an answer records a "conflict" event and exits 1: the exit
     * status by which dhclient's script tells it to DECLINE (RFC 2131 §4.4.1), as distributions' ARPCHECK does.
     */
    static String script(String runDir, String client, boolean apply, boolean arpCheck)
    {
        return """
            #!/bin/sh
            # Generated by io.dvmc.lab.DhcpClients. Writes only under its run directory and, when apply=1,
            # configures the interface it was called for, inside the VM's own network namespace.
            dir='%s'
            apply=%d
            arpcheck=%d
            client=%s
            if [ "$client" = udhcpc ]; then
              event=$1; addr=$ip; netmask=$subnet; prefix=$mask; routers=$router; servers=$dns
              ifmtu=$mtu; leasetime=$lease; server=$serverid; dname=$domain; search=$search
              routes=$staticroutes
            else
              event=$(printf '%%s' "$reason" | tr 'A-Z' 'a-z'); addr=$new_ip_address; netmask=$new_subnet_mask
              prefix=$new_subnet_cidr; routers=$new_routers; servers=$new_domain_name_servers
              ifmtu=$new_interface_mtu; leasetime=$new_dhcp_lease_time; server=$new_dhcp_server_identifier
              dname=$new_domain_name; search=$new_domain_search; routes=$new_classless_static_routes
              if [ -n "$new_rfc3442_classless_static_routes" ]; then
                # dhclient: "length, significant destination octets, gateway octets", all in decimal.
                set -- $new_rfc3442_classless_static_routes
                routes=
                while [ $# -ge 5 ]; do
                  len=$1; shift; d1=0; d2=0; d3=0; d4=0; i=1
                  while [ $i -le $(( (len + 7) / 8 )) ]; do eval "d$i=$1"; shift; i=$((i + 1)); done
                  routes="$routes $d1.$d2.$d3.$d4/$len $1.$2.$3.$4"; shift 4
                done
              fi
            fi
            search=$(printf '%%s' "$search" | tr -d '",' | sed 's/[.]$//; s/[.] / /g')
            routes=$(echo $routes)
            iface=$interface
            record() {
              tmp="$dir/events/.$$.tmp"
              {
                echo "event=$1"
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
                echo "domain=$dname"
                echo "search=$search"
                echo "routes=$routes"
                echo "applied=$applied"
                env | grep -E '^(new_|old_|reason=|ip=|subnet=|mask=|router=|dns=|mtu=|lease=|serverid=|domain=|search=|broadcast=|siaddr=|sname=|boot_file=|tftp=|bootfile=|wpad=|opt[0-9]+=|staticroutes=)' | sed 's/^/env./'
              } > "$tmp"
              # Rename is atomic: a reader never sees half an event. Names sort by time.
              mv "$tmp" "$dir/events/$(date +%%s%%N)-$$.ev"
            }
            applied=no
            case $event in
              bound|reboot)
                if [ "$arpcheck" = 1 ] && [ -n "$addr" ] && ! busybox arping -q -D -c 2 -w 2 -I "$iface" "$addr"; then
                  record conflict
                  exit 1
                fi ;;
            esac
            if [ "$apply" = 1 ] && [ -n "$iface" ]; then
              applied=ok
              case $event in
                bound|renew|rebind|reboot)
                  if [ -n "$addr" ]; then
                    # A new address replaces the old one; the same address only has its lifetime refreshed.
                    ip -4 -o addr show dev "$iface" | grep -q " $addr/" || ip -4 addr flush dev "$iface"
                    ip addr replace "$addr/${prefix:-$netmask}" dev "$iface" || applied=failed
                    if [ -n "$ifmtu" ]; then ip link set dev "$iface" mtu "$ifmtu" || applied=failed; fi
                    if [ -n "$routes" ]; then
                      # RFC 3442 §4: with classless routes the client ignores the router option.
                      set -- $routes
                      while [ $# -ge 2 ]; do
                        dst=$1; [ "$dst" = 0.0.0.0/0 ] && dst=default
                        ip route replace "$dst" via "$2" dev "$iface" || applied=failed
                        shift 2
                      done
                    elif [ -n "$routers" ]; then
                      ip route replace default via "${routers%%%% *}" dev "$iface" || applied=failed
                    fi
                    {
                      for s in $servers; do echo "nameserver $s"; done
                      [ -n "$search" ] && echo "search $search"
                      [ -n "$dname" ] && echo "domain $dname"
                    } > "$dir/resolv.conf"
                  fi ;;
                deconfig|expire|release|stop|stopped|nak)
                  ip -4 addr flush dev "$iface" || applied=failed ;;
                preinit)
                  ip link set dev "$iface" up || applied=failed ;;
              esac
            fi
            record "$event"
            exit 0
            """
            .formatted(runDir.replace("'", "'\\''"), apply ? 1 : 0, arpCheck ? 1 : 0, client);
    }

}
