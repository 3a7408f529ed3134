package io.dvmc.cli;

import io.dvmc.config.Addresses;
import io.dvmc.config.ConfigException;
import io.dvmc.config.Lifecycle;
import io.dvmc.policy.PolicyException;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "service", mixinStandardHelpOptions = true,
    description = "Runs a dvmc service: the address manager of the domains of a policy file.")
final class ServiceCommand implements Callable<Integer>
{
    @Option(names = "--policy", required = true, description = "policy file (JSON)")
    private Path policy;

    @Option(names = "--listen", defaultValue = "127.0.0.1:6767", description = "UDP address for DVMC requests")
    private String listen;

    @Option(names = "--state-dir", required = true, description = "directory of the durable lease journal")
    private Path stateDir;

    @Option(names = "--key-file", required = true, description = "cluster key file (dvmc keygen)")
    private Path keyFile;

    @Option(names = "--idle", defaultValue = "backoff", description = "idle strategy: busy, yield, backoff, sleep")
    private String idle;

    @Option(names = "--etcd", split = ",", paramLabel = "URL",
        description = "keep the leases in etcd, shared with other replicas (client URLs, comma-separated)")
    private List<String> etcd;

    @Option(names = "--replica-id", description = "this replica's unique name (with --etcd)")
    private String replicaId;

    public Integer call() throws InterruptedException
    {
        final DvmcService service;
        try
        {
            if (etcd != null && replicaId == null)
            {
                System.err.println("dvmc service: --etcd needs --replica-id");
                return 2;
            }
            service = etcd != null ?
                ServiceMain.startReplica(policy, Addresses.socketAddress(listen), stateDir, keyFile, idle, etcd,
                    replicaId) :
                ServiceMain.start(policy, Addresses.socketAddress(listen), stateDir, keyFile, idle);
        }
        catch (final PolicyException | ConfigException | IOException | RuntimeException ex)
        {
            System.err.println("dvmc service: " + ex.getMessage());
            return 2;
        }
        System.out.println("dvmc service listening on " + service.localAddress());
        Lifecycle.runUntilShutdown(service, "dvmc service");
        return 0;
    }
}
