package io.dvmc.e2e;

import io.dvmc.lab.FreePorts;
import io.dvmc.agent.HostAgentMain;
import io.dvmc.cli.Dvmc;
import io.dvmc.config.ClusterKeyFile;
import io.dvmc.dataplane.Dataplane;
import io.dvmc.dataplane.DataplaneMain;
import io.dvmc.ipc.CountersFile;
import io.dvmc.service.ServiceCounters;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One dvmc host under test: a service, an agent and a dataplane, each its own JVM, on the configs a test writes
 * into a temporary directory. The embedded default: file-backed policy, one service on loopback.
 */
final class DvmcHost implements AutoCloseable
{
    /** @param fields more of the port's JSON fields, e.g. its role; "" for none. */
    record Port(String name, String device, String other, String fields)
    {
        Port(final String name, final String device)
        {
            this(name, device, "drop");
        }

        Port(final String name, final String device, final String other)
        {
            this(name, device, other, "");
        }
    }

    record Binding(String port, int vlan, String mac, int domain, String vm)
    {
        Binding(final String port, final String mac, final int domain, final String vm)
        {
            this(port, 0, mac, domain, vm);
        }
    }

    static final Duration START = Duration.ofSeconds(90);

    private final Path dir;
    private final Path stateDir;
    private final Path hostConfig;
    private final Path policy;
    private final Path key;
    private final int servicePort;
    private final String dataplaneNetns;
    private final int hostId;
    /** host.json's policy source: the policy file, or the etcd cluster of the distributed mode. */
    private final String policySource;
    private List<Port> ports;
    /** Whether the service and the agent run in the dataplane's namespace too, as a relay's tenant links need. */
    private boolean allInNetns;
    /** Where each process's service manager listens ({@link #underServiceManager}), or null: none. */
    private Path notifyDir;
    private JvmProcess service;
    /** A second service of the same policy and key, on {@link #replicaPort}, if started. */
    private JvmProcess replica;
    private int replicaPort;
    private JvmProcess agent;
    private JvmProcess dataplane;
    private int ctlRuns;
    /** The metrics ports of dataplane, agent and service; 0: no metrics endpoint. */
    private int dataplaneMetrics;
    private int agentMetrics;
    private int serviceMetrics;
    private List<Binding> bindings;
    /** The dataplane's lanes ({@code dataplane.lanes}). */
    private int lanes = 1;
    /** The dataplane's idle strategy, worker threads (with one lane) and JVM options (null: none). */
    private String idle = "backoff";
    private int workers = 1;
    private String dataplaneJavaOptions;

    DvmcHost(final Path dir, final List<Port> ports, final List<Binding> bindings, final String dataplaneNetns)
        throws IOException
    {
        this.dir = dir;
        this.stateDir = dir.resolve("host");
        this.hostConfig = dir.resolve("host.json");
        this.policy = dir.resolve("policy.json");
        this.key = dir.resolve("cluster.key");
        this.dataplaneNetns = dataplaneNetns;
        this.hostId = 1;
        this.policySource = "\"policyFile\": \"policy.json\"";
        this.ports = List.copyOf(ports);
        this.servicePort = FreePorts.udp();
        ClusterKeyFile.generate(key);
        Files.writeString(policy, policyJson(servicePort, 600, 2400));
        this.bindings = List.copyOf(bindings);
        Files.writeString(hostConfig, hostJson(ports, bindings));
    }

    /**
     * A host of the distributed mode: its agent and dataplane only, the policy (domains, this host's bindings) in
     * etcd, its own key ring; the services run elsewhere ({@link DistributedDvmc}).
     */
    DvmcHost(final Path dir, final int hostId, final List<Port> ports, final String dataplaneNetns,
        final List<String> etcd, final Path keyRing) throws IOException
    {
        this.dir = dir;
        this.stateDir = dir.resolve("host");
        this.hostConfig = dir.resolve("host.json");
        this.policy = null;
        this.key = keyRing;
        this.dataplaneNetns = dataplaneNetns;
        this.hostId = hostId;
        this.policySource = "\"policy\": { \"etcd\": [" + String.join(", ",
            etcd.stream().map(e -> "\"" + e + "\"").toList()) + "] }";
        this.ports = List.copyOf(ports);
        this.servicePort = 0;
        Files.createDirectories(dir);
        this.bindings = List.of();
        Files.writeString(hostConfig, hostJson(ports, List.of()));
    }

    /** The agent and the dataplane of a distributed-mode host, ready for the fast path. */
    void startHost() throws IOException
    {
        startAgent();
        startDataplane();
        awaitCounter(dataplane, "dataplane: store hand-overs", 1, START);
    }

    /** Edits the policy file as an operator's editor does: whole, in one rename; the processes read it again. */
    void editPolicy(final java.util.function.UnaryOperator<String> edit) throws IOException
    {
        final Path tmp = policy.resolveSibling("policy.json.tmp");
        Files.writeString(tmp, edit.apply(Files.readString(policy)));
        Files.move(tmp, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Gives both domains these lease times: the VM's and the host's (DESIGN §5); before {@link #start()}. */
    void leaseSeconds(final int vm, final int host) throws IOException
    {
        Files.writeString(policy, policyJson(servicePort, vm, host));
    }

    /**
     * Replaces the policy with these domains (each a JSON object without "services"), all served by this host's
     * service; before {@link #start()}.
     */
    void domains(final List<String> domains) throws IOException
    {
        Files.writeString(policy, "{ \"services\": [ \"127.0.0.1:" + servicePort + "\" ], \"domains\": [\n" +
            String.join(",\n", domains) + "\n] }\n");
    }

    /**
     * Gives the dataplane this idle strategy, its worker threads (0 or 1) and these JVM options (system properties),
     * instead of {@code backoff}, 1 and none; before {@link #start()}.
     */
    void dataplaneOptions(final String idle, final int workers, final String javaOptions) throws IOException
    {
        this.idle = idle;
        this.workers = workers;
        this.dataplaneJavaOptions = javaOptions;
        rewrite(ports, bindings);
    }

    /** Gives the dataplane {@code n} lanes, each port a queue pair per lane; before {@link #start()}. */
    void lanes(final int n) throws IOException
    {
        lanes = n;
        rewrite(ports, bindings);
    }

    /** Gives each process a metrics endpoint on a free loopback port; before {@link #start()}. */
    void serveMetrics() throws IOException
    {
        dataplaneMetrics = FreePorts.tcp();
        agentMetrics = FreePorts.tcp();
        serviceMetrics = FreePorts.tcp();
        rewrite(ports, bindings);
    }

    /** What {@code process} (dataplane, agent or service) serves at /metrics now, scraped over loopback. */
    String scrape(final String process) throws IOException, InterruptedException
    {
        final int port = switch (process)
        {
            case "dataplane" -> dataplaneMetrics;
            case "agent" -> agentMetrics;
            case "service" -> serviceMetrics;
            default -> throw new IllegalArgumentException(process);
        };
        try (HttpClient http = HttpClient.newHttpClient())
        {
            final HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200)
            {
                throw new AssertionError(process + " metrics: HTTP " + response.statusCode() + "\n" + response.body());
            }
            return response.body();
        }
    }

    /** Two domains with the same subnet, as in deploy/examples/policy.json, on this test's service port. */
    private static String policyJson(final int servicePort, final int leaseSeconds, final int hostLeaseSeconds)
    {
        final StringBuilder sb = new StringBuilder("{ \"domains\": [\n");
        final int[] ids = {100, 200};
        final String[] names = {"blue", "red"};
        final String[] dns = {"10.0.0.53", "10.0.0.54"};
        final int[] mtu = {1450, 1400};
        for (int i = 0; i < 2; i++)
        {
            sb.append(i == 0 ? "" : ",\n").append(String.format(
                "{ \"id\": %d, \"name\": \"%s\", \"subnet\": \"10.0.0.0/24\", \"router\": \"10.0.0.1\"," +
                    " \"pools\": [ { \"start\": \"10.0.0.100\", \"end\": \"10.0.0.199\" } ], \"dns\": [ \"%s\" ]," +
                    " \"domainName\": \"%s.example\", \"mtu\": %d, \"leaseSeconds\": %d, \"hostLeaseSeconds\": %d," +
                    " \"services\": [ \"127.0.0.1:%d\" ] }",
                ids[i], names[i], dns[i], names[i], mtu[i], leaseSeconds,
                hostLeaseSeconds, servicePort));
        }
        return sb.append("\n] }\n").toString();
    }

    private String hostJson(final List<Port> ports, final List<Binding> bindings)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("{ \"hostId\": ").append(hostId).append(", \"hostAddress\": \"127.0.0.1\", \"stateDir\": \"host\",")
            .append(" \"keyFile\": \"").append(key.toAbsolutePath()).append("\", ").append(policySource).append(",")
            // A host store of 16,384 leases (9 MiB) rather than the default's 144 MiB, written at every agent start.
            .append(" \"agent\": { \"listen\": \"127.0.0.1:0\", \"maxLeases\": 16384")
            .append(agentMetrics == 0 ? "" : ", \"metrics\": \"127.0.0.1:" + agentMetrics + "\"").append(" },")
            .append(" \"dataplane\": { ")
            .append(dataplaneMetrics == 0 ? "" : "\"metrics\": \"127.0.0.1:" + dataplaneMetrics + "\", ")
            .append("\"lcore\": ").append(io.dvmc.port.Eal.firstAllowedCpu())
            .append(lanes == 1 ? "" : ", \"lanes\": " + lanes)
            .append(lanes == 1 ? ", \"workers\": " + workers : "")
            .append(", \"memoryMb\": 128, \"idle\": \"").append(idle)
            .append("\", \"extraEal\": [\"--log-level=*:warning\"], \"ports\": [");
        for (int i = 0; i < ports.size(); i++)
        {
            sb.append(i == 0 ? "" : ", ").append(String.format(
                "{ \"name\": \"%s\", \"device\": \"%s\", \"other\": \"%s\"%s }",
                ports.get(i).name(), ports.get(i).device(), ports.get(i).other(),
                ports.get(i).fields().isEmpty() ? "" : ", " + ports.get(i).fields()));
        }
        sb.append("] }, \"bindings\": [");
        for (int i = 0; i < bindings.size(); i++)
        {
            final Binding b = bindings.get(i);
            sb.append(i == 0 ? "" : ", ").append(String.format(
                "{ \"port\": \"%s\", \"vlan\": %d, \"mac\": \"%s\", \"domain\": %d, \"vm\": \"%s\" }",
                b.port(), b.vlan(), b.mac(), b.domain(), b.vm()));
        }
        return sb.append("] }\n").toString();
    }

    /** Rewrites host.json with these bindings, as an operator's editor does: whole, in one rename. */
    void rewriteBindings(final List<Binding> bindings) throws IOException
    {
        rewrite(ports, bindings);
    }

    /** Rewrites host.json with these ports and bindings, whole, in one rename. */
    void rewrite(final List<Port> ports, final List<Binding> bindings) throws IOException
    {
        this.ports = List.copyOf(ports);
        this.bindings = List.copyOf(bindings);
        final Path tmp = hostConfig.resolveSibling("host.json.tmp");
        Files.writeString(tmp, hostJson(ports, bindings));
        Files.move(tmp, hostConfig, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Runs the service and the agent in the dataplane's namespace as well (before {@link #start()}): a relay domain's
     * service must reach tenant servers on links of that namespace.
     */
    void runAllInNetns()
    {
        allInNetns = true;
    }

    private String serviceNetns()
    {
        return allInNetns ? dataplaneNetns : null;
    }

    /**
     * Starts each process as systemd would start a {@code Type=notify} unit (before {@link #start()}): with
     * {@code NOTIFY_SOCKET} set to {@code <dir>/<process>.notify}, a socket the test binds.
     */
    void underServiceManager(final Path dir)
    {
        notifyDir = dir;
    }

    private Map<String, String> environment(final String process)
    {
        final Map<String, String> environment = new HashMap<>();
        if (notifyDir != null)
        {
            environment.put("NOTIFY_SOCKET", notifyDir.resolve(process + ".notify").toString());
        }
        if (process.equals("dataplane") && dataplaneJavaOptions != null)
        {
            environment.put("JAVA_TOOL_OPTIONS", dataplaneJavaOptions);
        }
        return environment;
    }

    Path stateDir()
    {
        return stateDir;
    }

    Path hostConfig()
    {
        return hostConfig;
    }

    void startService() throws IOException
    {
        final List<String> args = new ArrayList<>(List.of("service",
            "--policy", policy.toString(), "--listen", "127.0.0.1:" + servicePort,
            "--state-dir", dir.resolve("service").toString(), "--key-file", key.toString()));
        if (serviceMetrics != 0)
        {
            args.addAll(List.of("--metrics", "127.0.0.1:" + serviceMetrics));
        }
        service = JvmProcess.start("service", dir, serviceNetns(), environment("service"), Dvmc.class.getName(),
            args.toArray(String[]::new));
        service.await("the service to listen", START, () -> service.logOfThisRun().contains("listening on"));
    }

    /**
     * Starts a second service (a replica) on the same policy and key, its own state in "replica", in the service's
     * namespace; its endpoint is 127.0.0.1:{@link #replicaPort()}, chosen now.
     */
    JvmProcess startReplica() throws IOException
    {
        replica = JvmProcess.start("replica", dir, serviceNetns(), Dvmc.class.getName(), "service",
            "--policy", policy.toString(), "--listen", "127.0.0.1:" + replicaPort(),
            "--state-dir", dir.resolve("replica").toString(), "--key-file", key.toString());
        replica.await("the replica to listen", START, () -> replica.logOfThisRun().contains("listening on"));
        return replica;
    }

    /** The replica's port, chosen on first call so that a policy can name it before it starts. */
    int replicaPort() throws IOException
    {
        if (replicaPort == 0)
        {
            replicaPort = FreePorts.udp();
        }
        return replicaPort;
    }

    int servicePort()
    {
        return servicePort;
    }

    void startAgent() throws IOException
    {
        launchAgent();
        awaitAgent();
    }

    /** Starts an agent and returns at once, before it is ready ({@link #awaitAgent}). */
    void launchAgent() throws IOException
    {
        Files.deleteIfExists(stateDir.resolve(HostAgentMain.READY_FILE));
        agent = JvmProcess.start("agent", dir, serviceNetns(), environment("agent"), Dvmc.class.getName(), "agent",
            "--config", hostConfig.toString());
    }

    void awaitAgent()
    {
        agent.await("the agent to be ready", START, () -> Files.exists(stateDir.resolve(HostAgentMain.READY_FILE)));
    }

    void startDataplane() throws IOException
    {
        Files.deleteIfExists(stateDir.resolve(Dataplane.READY_FILE));
        dataplane = JvmProcess.start("dataplane", dir, dataplaneNetns, environment("dataplane"),
            DataplaneMain.class.getName(), "--config", hostConfig.toString());
        dataplane.await("the dataplane to be ready", START, () -> Files.exists(stateDir.resolve(Dataplane.READY_FILE)));
    }

    /** All three processes, ready for the fast path: the dataplane has the lease store open. */
    void start() throws IOException
    {
        startService();
        startAgent();
        startDataplane();
        awaitCounter(dataplane, "dataplane: store hand-overs", 1, START);
    }

    JvmProcess service()
    {
        return service;
    }

    JvmProcess agent()
    {
        return agent;
    }

    JvmProcess dataplane()
    {
        return dataplane;
    }

    /**
     * Label to value of every counter of the dataplane, the agent and (this host's own) service, read live from their
     * files: "dataplane: ...", "agent: ...", "service: ...".
     */
    Map<String, Long> counters()
    {
        final Map<String, Long> values = new HashMap<>();
        for (final Path file : List.of(stateDir.resolve(Dataplane.COUNTERS_FILE),
            stateDir.resolve(HostAgentMain.COUNTERS_FILE), dir.resolve("service").resolve(ServiceCounters.FILE),
            dir.resolve("replica").resolve(ServiceCounters.FILE)))
        {
            final String name = file.getParent().getFileName().toString().equals("replica")
                ? "replica-"
                : file.getFileName().toString();
            if (!Files.exists(file))
            {
                continue;
            }
            try (CountersFile counters = CountersFile.openReader(file))
            {
                final String process = name.substring(0, name.indexOf('-'));
                counters.reader().forEach((value, id, label) -> values.put(process + ": " + label, value));
            }
            catch (final IOException ex)
            {
                throw new AssertionError(ex);
            }
        }
        return values;
    }

    long counter(final String label)
    {
        return counters().getOrDefault(label, 0L);
    }

    /**
     * Waits for a counter of the dataplane's replies: the worker adds them once per burst, after it handed the replies
     * to the poll thread, so a VM can have its answer before the count shows it.
     */
    void awaitReplies(final String label, final long atLeast)
    {
        awaitCounter(dataplane, label, atLeast, Duration.ofSeconds(10));
    }

    void awaitCounter(final JvmProcess process, final String label, final long atLeast, final Duration timeout)
    {
        // Counters and every process's log as they are when the wait fails.
        process.await(() -> "counter '" + label + "' >= " + atLeast + " (counters: " + counters() + ")\n" + logs(),
            timeout, () -> counter(label) >= atLeast);
    }

    /** Runs {@code dvmc ctl ARGS --config HOST} as its own process and returns what it printed. */
    String ctl(final String... args) throws IOException
    {
        final List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(List.of(args));
        all.add("--config");
        all.add(hostConfig.toString());
        final String name = "ctl-" + (++ctlRuns);
        try (JvmProcess ctl = JvmProcess.start(name, dir, null, Dvmc.class.getName(), all.toArray(String[]::new)))
        {
            final int exit = ctl.waitFor(START);
            if (exit != 0)
            {
                throw new AssertionError("dvmc " + all + " exited with " + exit + ":\n" + ctl.log());
            }
            return ctl.log();
        }
    }

    /** The logs of every process, for a failing assertion's message. */
    String logs()
    {
        final List<String> parts = new ArrayList<>();
        for (final JvmProcess p : new JvmProcess[]{service, agent, dataplane})
        {
            if (p != null)
            {
                parts.add("--- " + p.name() + " ---\n" + p.log());
            }
        }
        return String.join("\n", parts);
    }

    public void close()
    {
        for (final JvmProcess p : new JvmProcess[]{dataplane, agent, service, replica})
        {
            if (p != null)
            {
                p.close();
            }
        }
    }
}
