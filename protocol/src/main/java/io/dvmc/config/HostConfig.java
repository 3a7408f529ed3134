package io.dvmc.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.dvmc.ipc.BindingMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The host configuration, read by both the dataplane and the agent of one hypervisor host.
 *
 * <pre>{@code
 * { "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "/var/lib/dvmc/host", "keyFile": "/etc/dvmc/cluster.key",
 *   "policyFile": "policy.json",            // or "policy": { "etcd": ["http://127.0.0.1:2379"], "prefix": "/dvmc" }
 *   "agent": { "listen": "127.0.0.1:0", "metrics": "127.0.0.1:9468",
 *              "limits": { "vmPerSecond": 4, "vmBurst": 20, "portPerSecond": 2000,
 *              "portBurst": 4000, "declineIntervalSeconds": 10, "declineBurst": 3 },
 *              "maxLeases": 262144, "maxExchanges": 16384 },
 *   "dataplane": { "lcore": 0, "memoryMb": 128, "idle": "wait", "workers": 1, "workerCpu": 1, "extraEal": [],
 *                  "metrics": "9467",
 *                  "ports": [ { "name": "vm1", "device": "net_af_packet0,iface=dvh-vm1", "other": "forward:uplink" },
 *                             { "name": "uplink", "device": "0000:3b:00.0", "role": "uplink" },
 *                             { "name": "tor", "device": "0000:3b:00.1", "role": "relay", "relay": {
 *                                 "serverIp": "10.9.0.1", "links": [ { "subnet": "10.9.1.0/24", "domain": 100 } ],
 *                                 "remoteIds": [] } } ] },
 *   "bindings": [ { "port": "vm1", "vlan": 0, "mac": "02:00:00:64:00:01", "domain": 100, "vm": "<uuid>" } ] }
 * }</pre>
 *
 * Relative paths are resolved against the directory of the config file. The policy comes from exactly one place:
 * the file (the embedded default) or the etcd policy service.
 */
public record HostConfig(
    int hostId,
    String hostAddress,
    String stateDir,
    String keyFile,
    String policyFile,
    PolicyService policy,
    Agent agent,
    Dataplane dataplane,
    List<Binding> bindings)
{
    /**
     * The distributed policy service (DESIGN §5): etcd members and the key prefix of this installation.
     *
     * @param etcd   client URLs, e.g. {@code http://127.0.0.1:2379}.
     * @param prefix the root of the dvmc keys, {@value #DEFAULT_PREFIX} by default.
     */
    public record PolicyService(List<String> etcd, String prefix)
    {
        public static final String DEFAULT_PREFIX = "/dvmc";
    }

    /**
     * @param listen where the agent receives DVMC replies.
     * @param limits the rate limits in front of the slow path; absent fields take their defaults.
     * @param metrics where the agent serves Prometheus metrics ({@link MetricsAddress}); null: nowhere.
     * @param maxLeases the host lease store's capacity, which the agent creates the store with and the dataplane
     *                  reads from the store's header; null: {@link #DEFAULT_MAX_LEASES}.
     * @param maxExchanges DVMC exchanges the agent keeps in flight at once; null: {@link #DEFAULT_MAX_EXCHANGES}.
     */
    public record Agent(String listen, Limits limits, String metrics, Long maxLeases, Integer maxExchanges)
    {
        /**
         * A big hypervisor's VMs, or the clients of a relay-facing port, many times over: 262,144 leases, a 144 MiB
         * file (574 bytes a lease, allocated when the store is created).
         */
        public static final long DEFAULT_MAX_LEASES = 1L << 18;
        /** Fewer would not hold one of a VM's slow-path exchanges (a lease store of one segment). */
        public static final long MIN_MAX_LEASES = 1_024;
        /** 64 Mi leases: a 36 GiB file. */
        public static final long MAX_MAX_LEASES = 1L << 26;
        /**
         * 20,000 DORA/s is 40,000 exchanges/s; the window holds 0.4 s of them, 30 times the p99 latency measured at
         * 1,000 DORA/s (13.4 ms), so a service's pause of a few hundred milliseconds (a journal sync, a GC) refuses
         * nothing.
         */
        public static final int DEFAULT_MAX_EXCHANGES = 16_384;
        public static final int MIN_MAX_EXCHANGES = 64;
        public static final int MAX_MAX_EXCHANGES = 1 << 20;

        public Agent(final String listen)
        {
            this(listen, Limits.DEFAULT, null, DEFAULT_MAX_LEASES, DEFAULT_MAX_EXCHANGES);
        }
    }

    /**
     * How many new DHCP exchanges a VM and a port may start: a sustained rate and a burst (token buckets). A VM's
     * DECLINEs are limited apart, to one per interval in the long run.
     */
    public record Limits(Double vmPerSecond, Integer vmBurst, Double portPerSecond, Integer portBurst,
        Integer declineIntervalSeconds, Integer declineBurst)
    {
        public static final Limits DEFAULT = new Limits(4.0, 20, 2000.0, 4000, 10, 3);

        Limits withDefaults()
        {
            return new Limits(
                vmPerSecond == null ? DEFAULT.vmPerSecond : vmPerSecond,
                vmBurst == null ? DEFAULT.vmBurst : vmBurst,
                portPerSecond == null ? DEFAULT.portPerSecond : portPerSecond,
                portBurst == null ? DEFAULT.portBurst : portBurst,
                declineIntervalSeconds == null ? DEFAULT.declineIntervalSeconds : declineIntervalSeconds,
                declineBurst == null ? DEFAULT.declineBurst : declineBurst);
        }

        /** @return what is wrong with the limits, or null. */
        String problem()
        {
            if (!(vmPerSecond > 0) || !(portPerSecond > 0))
            {
                return "agent.limits: vmPerSecond and portPerSecond must be positive";
            }
            if (vmBurst < 1 || portBurst < 1 || declineBurst < 1 || declineIntervalSeconds < 1)
            {
                return "agent.limits: bursts and declineIntervalSeconds must be at least 1";
            }
            return null;
        }
    }

    /**
     * @param lcore     the EAL's main lcore: the CPU the poll thread is pinned to.
     * @param idle      the dataplane threads' idle strategy (default {@code wait}: they sleep in the kernel on their
     *                  ports and doorbells; {@code busy} on cores of their own).
     * @param workers   DHCP worker threads: 1 (default) runs them beside the poll thread, 0 runs the worker inside
     *                  the poll loop's duty cycle, for a host that gives the dataplane a single core.
     * @param workerCpu the CPU the worker thread is pinned to, or null (default): it runs wherever the process
     *                  may (systemd's CPUAffinity). The EAL pins only the threads it starts, and the worker's is
     *                  started before it.
     * @param lanes     how many lanes (default 1): each port gets a queue pair per lane, and each lane's thread polls
     *                  its own queues and runs a worker of its own inside its duty cycle. More than 1 spreads the
     *                  frames over that many cores, by the ports' RSS or their own spreading (af_packet's fanout),
     *                  and needs {@code workers} 0. Lane 0 runs on the EAL's main lcore.
     * @param laneCpus  with several lanes, the CPUs lanes 1, 2, ... are pinned to, one each; empty (default): they run
     *                  wherever the process may.
     * @param metrics   where the dataplane serves Prometheus metrics ({@link MetricsAddress}); null: nowhere.
     */
    public record Dataplane(int lcore, int memoryMb, String idle, Integer workers, Integer workerCpu, Integer lanes,
        List<Integer> laneCpus, List<String> extraEal, List<Port> ports, String metrics)
    {
        /** Lanes a dataplane may have: one per core of a big host, within DPDK's 128 lcores. */
        public static final int MAX_LANES = 64;
    }

    /**
     * A port of the dataplane.
     *
     * @param other what to do with frames that are not DHCP for dvmc nor ARP for a virtual server (DESIGN §3):
     *              {@code "drop"} (the default) or {@code "forward:<port>"}, e.g. to an uplink or to a net_tap
     *              exception port towards the kernel.
     * @param role  {@code "vm"} (the default): a port facing VMs, whose client DHCP dvmc answers and whose server
     *              DHCP is a rogue server's; {@code "uplink"}: a port towards the network, where DHCP is other
     *              traffic like any frame, and every frame takes the port's {@code other} action; {@code "relay"}:
     *              a port facing DHCP relay agents, whose relayed requests dvmc answers (see {@link Relay}).
     * @param relay what a relay port needs: its server address and the links behind its relays; only with
     *              role relay.
     */
    public record Port(String name, String device, String other, String role, Relay relay)
    {
        public static final String DROP = "drop";
        public static final String FORWARD = "forward:";
        public static final String ROLE_VM = "vm";
        public static final String ROLE_UPLINK = "uplink";
        public static final String ROLE_RELAY = "relay";

        public Port(final String name, final String device)
        {
            this(name, device, DROP, ROLE_VM, null);
        }

        public Port(final String name, final String device, final String other)
        {
            this(name, device, other, ROLE_VM, null);
        }

        public Port(final String name, final String device, final String other, final String role)
        {
            this(name, device, other, role, null);
        }

        /** @return whether this port faces DHCP relay agents. */
        public boolean relayFacing()
        {
            return ROLE_RELAY.equals(role);
        }

        /** @return the port that takes this port's other frames, or null to drop them. */
        public String forwardTo()
        {
            return other != null && other.startsWith(FORWARD) ? other.substring(FORWARD.length()) : null;
        }

        /** @return whether this port faces the network rather than VMs. */
        public boolean uplink()
        {
            return ROLE_UPLINK.equals(role);
        }
    }

    /**
     * A relay-facing port: relays send to {@code serverIp} (or broadcast), and the domain of a relayed request is
     * the one whose link holds its giaddr, or the RFC 3527 link selection sub-option when the relay gives one.
     *
     * @param serverIp  the address relays send to; ARP for it is answered with {@code serverMac}.
     * @param serverMac the MAC of that address; a locally administered one made of the address by default.
     * @param links     the subnets behind the relays, each with its domain.
     * @param remoteIds when not empty, the only relay agent remote ids (option 82 sub-option 2, as hex) accepted:
     *                  a request without one of them is dropped and counted.
     */
    public record Relay(String serverIp, String serverMac, List<Link> links, List<String> remoteIds)
    {
        /** @return what is wrong with it, or null. */
        String problem()
        {
            if (!Addresses.isIpv4(serverIp))
            {
                return "relay.serverIp '" + serverIp + "' is not an IPv4 address";
            }
            if (serverMac != null)
            {
                try
                {
                    Addresses.parseMac(serverMac);
                }
                catch (final IllegalArgumentException ex)
                {
                    return "relay.serverMac: " + ex.getMessage();
                }
            }
            if (links == null || links.isEmpty() || links.contains(null))
            {
                return "relay.links: list at least one { \"subnet\": \"a.b.c.d/len\", \"domain\": id }";
            }
            for (final Link link : links)
            {
                final String problem = link.problem();
                if (problem != null)
                {
                    return "relay.links: " + problem;
                }
            }
            for (final String id : remoteIds == null ? List.<String>of() : remoteIds)
            {
                if (id == null || !id.matches("([0-9a-fA-F]{2}:?){1,255}") || id.endsWith(":"))
                {
                    return "relay.remoteIds: '" + id + "' is not hex bytes (e.g. 6c:65:61:66 or 6c656166)";
                }
            }
            return null;
        }

        /** @return the MAC ARP answers with for {@link #serverIp}. */
        public long serverMacBits()
        {
            return serverMac != null
                ? Addresses.parseMac(serverMac)
                : 0x0264_0000_0000L | (Addresses.parseIpv4(serverIp) & 0xFFFF_FFFFL);
        }

        /** @return the accepted remote ids as bytes; empty when any is. */
        public List<byte[]> remoteIdBytes()
        {
            return remoteIds == null ? List.of() : remoteIds.stream().map(Relay::hex).toList();
        }

        private static byte[] hex(final String text)
        {
            final String digits = text.replace(":", "");
            final byte[] bytes = new byte[digits.length() / 2];
            for (int i = 0; i < bytes.length; i++)
            {
                bytes[i] = (byte)Integer.parseInt(digits, 2 * i, 2 * i + 2, 16);
            }
            return bytes;
        }
    }

    /**
     * @param subnet a.b.c.d/len: the giaddrs (or link selection addresses) of the link.
     * @param domain the domain of the clients on that link.
     */
    public record Link(String subnet, long domain)
    {
        String problem()
        {
            if (domain <= 0 || domain > 0xFFFF_FFFFL)
            {
                return "domain must be 1..2^32-1";
            }
            final int slash = subnet == null ? -1 : subnet.indexOf('/');
            if (slash < 0 || !Addresses.isIpv4(subnet.substring(0, slash)) ||
                !subnet.substring(slash + 1).matches("[0-9]{1,2}") || prefixLength() > 32)
            {
                return "subnet '" + subnet + "' is not a.b.c.d/len";
            }
            return null;
        }

        public int network()
        {
            return Addresses.parseIpv4(subnet.substring(0, subnet.indexOf('/'))) & mask();
        }

        public int mask()
        {
            final int length = prefixLength();
            return length == 0 ? 0 : -1 << (32 - length);
        }

        private int prefixLength()
        {
            return Integer.parseInt(subnet.substring(subnet.indexOf('/') + 1));
        }
    }

    public record Binding(String port, int vlan, String mac, long domain, String vm)
    {
        /** @return what is wrong with the binding on its own (not its port, which the host defines), or null. */
        public String problem()
        {
            if (vlan < 0 || vlan >= 4095)
            {
                return "vlan out of range";
            }
            if (domain <= 0 || domain > 0xFFFF_FFFFL)
            {
                return "domain must be 1..2^32-1";
            }
            try
            {
                Addresses.parseMac(mac);
                UUID.fromString(vm);
            }
            catch (final IllegalArgumentException | NullPointerException ex)
            {
                return ex.getMessage();
            }
            return null;
        }
    }

    public static HostConfig load(final Path file) throws ConfigException
    {
        final HostConfig raw;
        try
        {
            // An absent number is 0: validation rejects it where 0 is not a valid value, defaults fill the rest.
            raw = RecordJson.read(Files.readAllBytes(file), HostConfig.class);
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(file + ": no such file");
        }
        catch (final JsonProcessingException ex)
        {
            throw new ConfigException(file + ": " + JsonSyntax.describe(ex));
        }
        catch (final RecordJson.MismatchException ex)
        {
            throw new ConfigException(file + ": " + ex.getMessage());
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": " + ex.getMessage());
        }
        // A JSON null is a null record, and lists keep null entries; both are an operator's mistake.
        require(file, raw != null, "holds null, not a host configuration object");
        raw.rejectNullEntries(file);
        raw.rejectNulInPaths(file);
        return raw.resolve(file.toAbsolutePath().getParent()).validate(file);
    }

    private void rejectNullEntries(final Path file) throws ConfigException
    {
        require(file, policy == null || policy.etcd() == null || !policy.etcd().contains(null),
            "policy.etcd: an entry is null");
        require(file, dataplane == null || dataplane.extraEal() == null || !dataplane.extraEal().contains(null),
            "dataplane.extraEal: an entry is null");
        require(file, dataplane == null || dataplane.ports() == null || !dataplane.ports().contains(null),
            "dataplane.ports: an entry is null");
        require(file, dataplane == null || dataplane.laneCpus() == null || !dataplane.laneCpus().contains(null),
            "dataplane.laneCpus: an entry is null");
        require(file, bindings == null || !bindings.contains(null), "bindings: an entry is null");
    }

    /** The paths {@link #resolve} turns into file system paths. JSON can escape a NUL into a string; no name holds one. */
    private void rejectNulInPaths(final Path file) throws ConfigException
    {
        require(file, isPath(stateDir), "stateDir: not a path: it holds a NUL character");
        require(file, isPath(keyFile), "keyFile: not a path: it holds a NUL character");
        require(file, isPath(policyFile), "policyFile: not a path: it holds a NUL character");
    }

    private static boolean isPath(final String path)
    {
        return path == null || path.indexOf('\0') < 0;
    }

    private HostConfig resolve(final Path base)
    {
        return new HostConfig(
            hostId,
            hostAddress == null ? "127.0.0.1" : hostAddress,
            resolvePath(base, stateDir),
            resolvePath(base, keyFile),
            resolvePath(base, policyFile),
            policy == null
                ? null
                : new PolicyService(policy.etcd() == null ? List.of() : List.copyOf(policy.etcd()),
                    policy.prefix() == null ? PolicyService.DEFAULT_PREFIX : policy.prefix()),
            agent == null
                ? new Agent("127.0.0.1:0")
                : new Agent(agent.listen(),
                    agent.limits() == null ? Limits.DEFAULT : agent.limits().withDefaults(), agent.metrics(),
                    agent.maxLeases() == null ? Agent.DEFAULT_MAX_LEASES : agent.maxLeases(),
                    agent.maxExchanges() == null ? Agent.DEFAULT_MAX_EXCHANGES : agent.maxExchanges()),
            dataplane == null
                ? new Dataplane(0, 128, "wait", 1, null, 1, List.of(), List.of(), List.of(), null)
                : new Dataplane(
                    dataplane.lcore(),
                    dataplane.memoryMb() == 0 ? 128 : dataplane.memoryMb(),
                    dataplane.idle() == null ? "wait" : dataplane.idle(),
                    dataplane.workers() == null
                        ? (dataplane.lanes() == null || dataplane.lanes() == 1 ? 1 : 0)
                        : dataplane.workers(),
                    dataplane.workerCpu(),
                    dataplane.lanes() == null ? 1 : dataplane.lanes(),
                    dataplane.laneCpus() == null ? List.of() : List.copyOf(dataplane.laneCpus()),
                    dataplane.extraEal() == null ? List.of() : List.copyOf(dataplane.extraEal()),
                    dataplane.ports() == null ? List.of() : List.copyOf(dataplane.ports()),
                    dataplane.metrics()),
            bindings == null ? List.of() : List.copyOf(bindings));
    }

    private static String resolvePath(final Path base, final String path)
    {
        return path == null || base == null ? path : base.resolve(path).normalize().toString();
    }

    private HostConfig validate(final Path file) throws ConfigException
    {
        require(file, stateDir != null, "stateDir is required");
        require(file, keyFile != null, "keyFile is required");
        require(file, hostId > 0, "hostId must be a positive integer");
        require(file, (policyFile == null) != (policy == null),
            "give the policy either as \"policyFile\" or as \"policy\": { \"etcd\": [...] }, exactly one of the two");
        require(file, policy == null || !policy.etcd().isEmpty(), "policy.etcd: list at least one etcd client URL");
        require(file, policy == null || policy.prefix().startsWith("/"), "policy.prefix must start with '/'");
        require(file, Addresses.isIpv4(hostAddress), "hostAddress '" + hostAddress + "' is not an IPv4 address");
        try
        {
            Addresses.socketAddress(agent.listen());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(file + ": agent.listen: " + ex.getMessage());
        }
        final InetSocketAddress agentMetrics = metricsAddress(file, "agent.metrics", agent.metrics());
        final InetSocketAddress dataplaneMetrics = metricsAddress(file, "dataplane.metrics", dataplane.metrics());
        require(file, agentMetrics == null || agentMetrics.getPort() == 0 || !agentMetrics.equals(dataplaneMetrics),
            "agent.metrics and dataplane.metrics are both " + agent.metrics() + ": give each process its own port");
        final String limitsProblem = agent.limits().problem();
        require(file, limitsProblem == null, limitsProblem);
        require(file, agent.maxLeases() >= Agent.MIN_MAX_LEASES && agent.maxLeases() <= Agent.MAX_MAX_LEASES,
            "agent.maxLeases must be " + Agent.MIN_MAX_LEASES + " to " + Agent.MAX_MAX_LEASES + ", not " +
                agent.maxLeases());
        require(file,
            agent.maxExchanges() >= Agent.MIN_MAX_EXCHANGES && agent.maxExchanges() <= Agent.MAX_MAX_EXCHANGES,
            "agent.maxExchanges must be " + Agent.MIN_MAX_EXCHANGES + " to " + Agent.MAX_MAX_EXCHANGES + ", not " +
                agent.maxExchanges());
        require(file, dataplane.workers() == 0 || dataplane.workers() == 1,
            "dataplane.workers must be 0 (worker in the poll loop) or 1 (a worker thread)");
        final Integer workerCpu = dataplane.workerCpu();
        require(file, workerCpu == null || workerCpu >= 0, "dataplane.workerCpu must be a CPU number (0, 1, ...)");
        require(file, workerCpu == null || dataplane.workers() == 1,
            "dataplane.workerCpu pins the worker thread, and workers 0 has none (the worker runs on the poll thread)");
        require(file, workerCpu == null || workerCpu != dataplane.lcore(),
            "dataplane.workerCpu " + workerCpu + " is the poll thread's lcore: give the worker a CPU of its own");
        final int lanes = dataplane.lanes();
        require(file, lanes >= 1 && lanes <= Dataplane.MAX_LANES,
            "dataplane.lanes must be 1 to " + Dataplane.MAX_LANES + ", not " + lanes);
        require(file, lanes == 1 || dataplane.workers() == 0,
            "dataplane.lanes " + lanes + " runs a worker inside each lane: set workers to 0 (or leave it out)");
        require(file, dataplane.laneCpus().isEmpty() || dataplane.laneCpus().size() == lanes - 1,
            "dataplane.laneCpus lists the CPUs of lanes 1 to " + (lanes - 1) + ", one each: " + (lanes - 1) +
                " CPU(s), not " + dataplane.laneCpus().size());
        final Set<Integer> laneCpus = new HashSet<>();
        laneCpus.add(dataplane.lcore());
        for (final Integer cpu : dataplane.laneCpus())
        {
            require(file, cpu >= 0, "dataplane.laneCpus: " + cpu + " is not a CPU number (0, 1, ...)");
            require(file, laneCpus.add(cpu), "dataplane.laneCpus: CPU " + cpu + " is given twice, or is the " +
                "poll thread's lcore: give each lane a CPU of its own");
        }
        final Set<String> portNames = new HashSet<>();
        for (final Port port : dataplane.ports())
        {
            require(file, port.name() != null && !port.name().isEmpty(), "dataplane.ports: a port has no name");
            require(file, port.name().length() <= BindingMessage.MAX_PORT_NAME &&
                port.name().chars().allMatch(c -> c > ' ' && c < 0x7F),
                "port '" + port.name() +
                    "': a port name is 1-" + BindingMessage.MAX_PORT_NAME + " printable ASCII characters, no spaces");
            require(file, port.device() != null && !port.device().isEmpty(), "port " + port.name() + ": no device");
            require(file, portNames.add(port.name()), "port " + port.name() + " is defined twice");
        }
        for (final Port port : dataplane.ports())
        {
            final String to = port.forwardTo();
            require(file, port.other() == null || port.other().equals(Port.DROP) || to != null,
                "port " + port.name() + ": other must be \"drop\" or \"forward:<port>\", not \"" + port.other() + "\"");
            require(file, to == null || portNames.contains(to) && !to.equals(port.name()),
                "port " + port.name() + ": forwards to '" + to + "', which is not another port");
            require(file, port.role() == null || port.role().equals(Port.ROLE_VM) || port.uplink() ||
                port.relayFacing(),
                "port " + port.name() + ": role must be \"vm\", \"uplink\" or \"relay\", not \"" + port.role() + "\"");
            require(file, port.relayFacing() == (port.relay() != null), "port " + port.name() +
                ": a port of role \"relay\" needs a \"relay\" section, and only such a port may have one");
            final String relayProblem = port.relay() == null ? null : port.relay().problem();
            require(file, relayProblem == null, "port " + port.name() + ": " + relayProblem);
        }
        final Set<String> seen = new HashSet<>();
        for (final Binding binding : bindings)
        {
            final String where = "binding of " + binding.mac();
            require(file, portNames.contains(binding.port()), where + ": unknown port '" + binding.port() + "'");
            final String problem = binding.problem();
            require(file, problem == null, where + ": " + problem);
            // One (vlan, MAC) maps to one port: the same MAC seen on another port is a spoof, not a second VM.
            require(file, seen.add(binding.vlan() + "/" + Addresses.parseMac(binding.mac())),
                where + ": bound twice (vlan " + binding.vlan() + ")");
        }
        return this;
    }

    private static InetSocketAddress metricsAddress(final Path file, final String field, final String value)
        throws ConfigException
    {
        try
        {
            return MetricsAddress.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(file + ": " + field + ": " + ex.getMessage());
        }
    }

    private static void require(final Path file, final boolean condition, final String message) throws ConfigException
    {
        if (!condition)
        {
            throw new ConfigException(file + ": " + message);
        }
    }

    public Path statePath()
    {
        return Path.of(stateDir);
    }

    /** Where the agent serves its metrics, or null for nowhere. */
    public InetSocketAddress agentMetrics()
    {
        return MetricsAddress.parse(agent.metrics());
    }

    /** Where the dataplane serves its metrics, or null for nowhere. */
    public InetSocketAddress dataplaneMetrics()
    {
        return MetricsAddress.parse(dataplane.metrics());
    }

    public InetSocketAddress agentListen()
    {
        return Addresses.socketAddress(agent.listen());
    }

    /** Per port index: the index of the port its other frames are forwarded to, or -1 to drop them. */
    public int[] forwardIndex()
    {
        final Map<String, Integer> index = portIndex();
        final int[] forward = new int[dataplane.ports().size()];
        for (int i = 0; i < forward.length; i++)
        {
            final String to = dataplane.ports().get(i).forwardTo();
            forward[i] = to == null ? -1 : index.get(to);
        }
        return forward;
    }

    /** Port name to its index in {@link Dataplane#ports()}, which is also its index in the dataplane. */
    public Map<String, Integer> portIndex()
    {
        final Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < dataplane.ports().size(); i++)
        {
            index.put(dataplane.ports().get(i).name(), i);
        }
        return index;
    }
}
