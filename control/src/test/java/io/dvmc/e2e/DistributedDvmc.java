package io.dvmc.e2e;

import io.dvmc.cli.Dvmc;
import io.dvmc.config.ClusterKeyFile;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.lab.NetnsLab;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The distributed mode under test (DESIGN §5): a real etcd on loopback holding the policy, dvmc service replicas
 * that read it (and, as replicas, share their leases in it), and hosts whose agents and dataplanes take their
 * bindings from it. Each host has its own key (a key ring of one, `dvmc keygen --id --host`); the services hold
 * all of them. Operators' writes go through `dvmc ctl`, in-process.
 */
final class DistributedDvmc implements AutoCloseable
{
    static final Duration START = DvmcHost.START;

    private final Path dir;
    private final EtcdCluster etcd;
    private final Path serviceKeys;
    private final List<JvmProcess> services = new ArrayList<>();
    private final List<DvmcHost> hosts = new ArrayList<>();

    private DistributedDvmc(final Path dir, final EtcdCluster etcd, final Path serviceKeys)
    {
        this.dir = dir;
        this.etcd = etcd;
        this.serviceKeys = serviceKeys;
    }

    /** Starts etcd and gives hosts 1..{@code hostCount} a key each, all of them in the services' ring. */
    static DistributedDvmc start(final Path dir, final int etcdMembers, final int hostCount) throws IOException
    {
        final EtcdCluster etcd = EtcdCluster.start(etcdMembers);
        try
        {
            // A key file is its owner's alone, or the service refuses it.
            final Path serviceKeys = Files.createFile(dir.resolve("service.keys"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            for (int host = 1; host <= hostCount; host++)
            {
                final Path ring = hostKeys(dir, host);
                ClusterKeyFile.appendKey(ring, 100 + host, host);
                Files.writeString(serviceKeys, Files.readString(ring), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            }
            return new DistributedDvmc(dir, etcd, serviceKeys);
        }
        catch (final IOException | RuntimeException | io.dvmc.config.ConfigException ex)
        {
            etcd.close();
            throw ex instanceof IOException io ? io : new IOException(ex);
        }
    }

    private static Path hostKeys(final Path dir, final int host)
    {
        return dir.resolve("host" + host + ".keys");
    }

    EtcdCluster etcd()
    {
        return etcd;
    }

    /** {@code dvmc ctl ARGS --etcd ...}, in-process; fails the test on a non-zero exit. */
    void ctl(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(List.of(args));
        all.add("--etcd");
        all.add(etcd.endpointList());
        final int exit = new CommandLine(new Dvmc()).execute(all.toArray(String[]::new));
        if (exit != 0)
        {
            throw new AssertionError("dvmc " + all + " exited with " + exit);
        }
    }

    /** A domain on 10.0.0.0/24 with its own DNS, served by the services on {@code servicePorts}. */
    void createDomain(final int id, final String name, final String dns, final List<Integer> servicePorts,
        final int leaseSeconds, final int hostLeaseSeconds)
    {
        final List<String> args = new ArrayList<>(List.of("domain", "create", "--id", Integer.toString(id),
            "--name", name, "--subnet", "10.0.0.0/24", "--router", "10.0.0.1", "--pool", "10.0.0.100-10.0.0.199",
            "--dns", dns, "--lease-seconds", Integer.toString(leaseSeconds),
            "--host-lease-seconds", Integer.toString(hostLeaseSeconds)));
        for (final int port : servicePorts)
        {
            args.add("--service");
            args.add("127.0.0.1:" + port);
        }
        ctl(args.toArray(String[]::new));
    }

    void bind(final int hostId, final String port, final String mac, final int domain, final String vm)
    {
        ctl("bind", "--host", Integer.toString(hostId), "--port", port, "--mac", mac, "--domain",
            Integer.toString(domain), "--vm", vm);
    }

    void unbind(final int hostId, final String mac)
    {
        ctl("unbind", "--host", Integer.toString(hostId), "--mac", mac);
    }

    /**
     * A service replica on {@code port}: the policy from etcd; with a replica id its leases are shared in etcd with
     * the other replicas, without one they are its own journal's.
     */
    JvmProcess startService(final String name, final int port, final String replicaId) throws IOException
    {
        final List<String> args = new ArrayList<>(List.of("service", "--etcd", etcd.endpointList(),
            "--listen", "127.0.0.1:" + port, "--state-dir", dir.resolve(name).toString(),
            "--key-file", serviceKeys.toString()));
        if (replicaId != null)
        {
            args.add("--replica-id");
            args.add(replicaId);
        }
        final JvmProcess service = JvmProcess.start(name, dir, null, Dvmc.class.getName(),
            args.toArray(String[]::new));
        services.add(service);
        service.await(name + " to listen", START, () -> service.logOfThisRun().contains("listening on"));
        return service;
    }

    /** Host {@code hostId}: one port per VM of {@code lab}, its dataplane in the lab's host namespace. */
    DvmcHost startHost(final int hostId, final NetnsLab lab) throws IOException
    {
        final List<DvmcHost.Port> ports = new ArrayList<>();
        for (final NetnsLab.Vm vm : lab.vms())
        {
            ports.add(new DvmcHost.Port("vm" + vm.index(), lab.afPacketVdev(vm)));
        }
        final DvmcHost host = new DvmcHost(dir.resolve("host" + hostId), hostId, ports, lab.hostNs(),
            etcd.endpoints(), hostKeys(dir, hostId));
        hosts.add(host);
        host.startHost();
        return host;
    }

    /** The lease record the services keep in etcd for an address of a domain (JSON), or null. */
    String leaseRecord(final int domain, final String ip) throws Exception
    {
        try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            final var kvs = client.getKVClient().get(ByteSequence.from("/dvmc/leases/" + domain + "/" + ip,
                StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        }
    }

    /** Every process's log, for a failing assertion's message. */
    String logs()
    {
        return services.stream().map(s -> "--- " + s.name() + " ---\n" + s.log()).collect(Collectors.joining("\n")) +
            "\n" + hosts.stream().map(DvmcHost::logs).collect(Collectors.joining("\n"));
    }

    public void close()
    {
        hosts.forEach(DvmcHost::close);
        services.forEach(JvmProcess::close);
        etcd.close();
    }
}
