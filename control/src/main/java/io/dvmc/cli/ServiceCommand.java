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
import java.util.concurrent.Callable;

@Command(name = "service", mixinStandardHelpOptions = true,
    description = "Runs a dvmc service: the address manager of the domains of a policy file.")
final class ServiceCommand implements Callable<Integer>
{
    @Option(names = "--policy", required = true, description = "policy file (JSON)")
    private Path policy;

    @Option(names = "--listen", defaultValue = "127.0.0.1:6767", description = "UDP address for DVMC requests")
    private String listen;

    @Option(names = "--advertise", description = "host:port agents send to, when --listen is a wildcard " +
        "(requests are signed for it)")
    private String advertise;

    @Option(names = "--state-dir", required = true, description = "directory of the durable lease journal")
    private Path stateDir;

    @Option(names = "--key-file", required = true, description = "cluster key or key ring file (dvmc keygen)")
    private Path keyFile;

    @Option(names = "--idle", defaultValue = "backoff", description = "idle strategy: busy, yield, backoff, sleep")
    private String idle;

    public Integer call() throws InterruptedException
    {
        final DvmcService service;
        try
        {
            service = ServiceMain.start(policy, Addresses.socketAddress(listen),
                advertise == null ? null : Addresses.socketAddress(advertise), stateDir, keyFile, idle);
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
