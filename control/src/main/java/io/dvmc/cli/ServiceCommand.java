package io.dvmc.cli;

import io.dvmc.config.Addresses;
import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.ConfigException;
import io.dvmc.config.Hangup;
import io.dvmc.config.Lifecycle;
import io.dvmc.config.MetricsAddress;
import io.dvmc.exchange.KeyRing;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyStore;
import io.dvmc.policy.PolicyStores;
import io.dvmc.metrics.MetricsEndpoint;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceMain;
import io.dvmc.service.ServiceMetrics;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "service", mixinStandardHelpOptions = true,
    description = "Runs a dvmc service: the address manager of the domains of a policy file or of etcd.")
final class ServiceCommand implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(ServiceCommand.class);

    @Option(names = "--policy", description = "policy file (JSON); without it the policy is read from --etcd")
    private Path policy;

    @Option(names = "--etcd", split = ",", paramLabel = "URL",
        description = "etcd client URLs, comma-separated: the policy service, and with --replica-id the shared leases")
    private List<String> etcd;

    @Option(names = "--etcd-prefix", defaultValue = "/dvmc", description = "root of the dvmc keys in etcd")
    private String etcdPrefix;

    @Option(names = "--listen", defaultValue = "127.0.0.1:6767", description = "UDP address for DVMC requests")
    private String listen;

    @Option(names = "--advertise", description = "host:port agents send to, when --listen is a wildcard " +
        "(requests are signed for it)")
    private String advertise;

    @Option(names = "--state-dir", required = true, description = "directory of the durable lease journal")
    private Path stateDir;

    @Option(names = "--key-file", required = true, description = "cluster key or key ring file (dvmc keygen)")
    private Path keyFile;

    @Option(names = "--idle", defaultValue = "wait",
        description = "idle strategy: wait (sleep until there is work), busy, yield, backoff, sleep")
    private String idle;

    @Option(names = "--replica-id", description = "this replica's unique name: its leases are kept in --etcd, " +
        "shared with the other replicas (without it, in the journal of --state-dir)")
    private String replicaId;

    @Option(names = "--metrics", paramLabel = "HOST:PORT|PORT", description = "serve Prometheus metrics at " +
        "http://HOST:PORT/metrics (a bare PORT: on 127.0.0.1; port 0: any free port, logged); none without it")
    private String metrics;

    public Integer call() throws InterruptedException
    {
        final DvmcService service;
        PolicyStore store = null;
        final InetSocketAddress metricsAddress;
        try
        {
            metricsAddress = MetricsAddress.parse(metrics);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("dvmc service: --metrics: " + ex.getMessage());
            return 2;
        }
        MetricsEndpoint endpoint = null;
        try
        {
            if (policy == null && etcd == null)
            {
                System.err.println("dvmc service: give the policy: --policy FILE or --etcd URL[,URL...]");
                return 2;
            }
            if (replicaId != null && etcd == null)
            {
                System.err.println("dvmc service: --replica-id keeps the leases in etcd: give --etcd URL[,URL...]");
                return 2;
            }
            store = PolicyStores.open(policy, policy != null || etcd == null ? List.of() : etcd, etcdPrefix);
            final InetSocketAddress advertised = advertise == null ? null : Addresses.socketAddress(advertise);
            service = replicaId != null
                ? ServiceMain.startReplica(store, Addresses.socketAddress(listen), advertised, stateDir, keyFile, idle,
                    etcd, etcdPrefix, replicaId)
                : ServiceMain.start(store, Addresses.socketAddress(listen), advertised, stateDir, keyFile, idle);
            endpoint = metricsAddress == null ? null : startMetrics(service, metricsAddress);
        }
        catch (final PolicyException | ConfigException | IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(PolicyStores.closer(store));
            System.err.println("dvmc service: " + ex.getMessage());
            return 2;
        }
        final PolicyStore policyFile = store;
        // A key rotated host by host (DESIGN §4) reaches the service without a restart; a bad file keeps the old keys.
        Hangup.handle("dvmc service", () -> {
            if (policyFile instanceof FilePolicyStore file)
            {
                file.reload();
            }
            try
            {
                final KeyRing keys = ClusterKeyFile.loadRing(keyFile);
                service.reloadKeys(keys);
            }
            catch (final ConfigException | RuntimeException ex)
            {
                LOG.error("key file not reloaded, the keys in use stay: {}", ex.getMessage());
            }
        });
        // Announced once a SIGHUP is taken: an operator (or a test) that reloads as soon as it reads this is heard.
        LOG.info("dvmc service listening on {}", service.localAddress());
        final AutoCloseable policyStore = PolicyStores.closer(store);
        final MetricsEndpoint metricsEndpoint = endpoint;
        // The metrics endpoint first: a scrape reads the service's counters file.
        Lifecycle.runUntilShutdown(() -> CloseHelper.closeAll(metricsEndpoint, service, policyStore), "dvmc service");
        return 0;
    }

    /** The endpoint of a started service; the service is stopped when it cannot listen. */
    private static MetricsEndpoint startMetrics(final DvmcService service, final InetSocketAddress address)
    {
        try
        {
            return ServiceMetrics.start(service, address);
        }
        catch (final RuntimeException ex)
        {
            service.close();
            throw ex;
        }
    }
}
