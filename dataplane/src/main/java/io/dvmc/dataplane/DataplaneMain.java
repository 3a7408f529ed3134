package io.dvmc.dataplane;

import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.IdleStrategies;
import io.dvmc.config.Lifecycle;
import io.dvmc.config.PlainArgs;
import io.dvmc.lease.StoreReaderProcess;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code dvmc dataplane}: the per-host DPDK process. */
@Command(
    name = "dataplane",
    mixinStandardHelpOptions = true,
    description = "Runs the host's DPDK dataplane: intercepts VMs' DHCP, answers from the lease store, hands the rest to the agent.")
public final class DataplaneMain implements Callable<Integer>
{
    @Option(names = "--config", required = true, description = "host config file (JSON)")
    private Path config;

    @Option(names = "--idle",
        description = "idle strategy of the poll loop: busy, yield, backoff, sleep, wait (default: from config)")
    private String idle;

    public Integer call() throws InterruptedException
    {
        return run(config, idle);
    }

    private static int run(final Path config, final String idle) throws InterruptedException
    {
        // The dataplane only reads the stores: the agent writes them.
        StoreReaderProcess.declare();
        final HostConfig host;
        try
        {
            host = HostConfig.load(config);
            IdleStrategies.of(idle != null ? idle : host.dataplane().idle());
        }
        catch (final ConfigException | IllegalArgumentException ex)
        {
            System.err.println("dvmc dataplane: " + ex.getMessage());
            return 2;
        }
        final Dataplane dataplane;
        try
        {
            dataplane = Dataplane.start(host, config, idle != null ? idle : host.dataplane().idle());
        }
        catch (final RuntimeException ex)
        {
            // An EAL or port that cannot start (a missing interface, no memory, a second instance): say why, once.
            System.err.println("dvmc dataplane: cannot start: " + ex.getMessage());
            return 1;
        }
        Lifecycle.runUntilShutdown(dataplane, "dvmc dataplane");
        return 0;
    }

    /** Plain arguments start at once (a restart's time counts); anything else is picocli's to parse and judge. */
    public static void main(final String[] args) throws InterruptedException
    {
        final PlainArgs plain = PlainArgs.parse(args, 0, Set.of("--config", "--idle"), Set.of());
        if (plain != null && plain.has("--config"))
        {
            System.exit(run(Path.of(plain.value("--config")), plain.value("--idle")));
        }
        System.exit(new CommandLine(new DataplaneMain()).execute(args));
    }
}
