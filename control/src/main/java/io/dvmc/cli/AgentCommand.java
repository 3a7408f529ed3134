package io.dvmc.cli;

import io.dvmc.agent.HostAgentMain;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.Lifecycle;
import io.dvmc.config.PlainArgs;
import io.dvmc.policy.PolicyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Runs the host agent: the dataplane's slow path, the DVMC client, the writer of the lease store.")
final class AgentCommand implements Callable<Integer>
{
    private static final String DEFAULT_IDLE = "wait";

    @Option(names = "--config", required = true, description = "host config file (JSON)")
    private Path config;

    @Option(names = "--idle", defaultValue = DEFAULT_IDLE,
        description = "idle strategy: wait (sleep until there is work), busy, yield, backoff, sleep")
    private String idle;

    public Integer call() throws InterruptedException
    {
        return run(config, idle);
    }

    /** {@code dvmc agent} with plain arguments ({@link QuickCommands}), or null when picocli must parse them. */
    static Callable<Integer> quick(final String[] args)
    {
        final PlainArgs plain = PlainArgs.parse(args, 1, Set.of("--config", "--idle"), Set.of());
        if (plain == null || !plain.has("--config"))
        {
            return null;
        }
        final String idle = plain.value("--idle");
        return () -> run(Path.of(plain.value("--config")), idle != null ? idle : DEFAULT_IDLE);
    }

    private static int run(final Path config, final String idle) throws InterruptedException
    {
        final HostAgentMain agent;
        try
        {
            // Chronicle's class loading is the longest step of a start: it begins before the config is read.
            HostAgentMain.warmUp();
            agent = HostAgentMain.start(HostConfig.load(config), config, idle);
        }
        catch (final ConfigException | PolicyException | IOException | RuntimeException ex)
        {
            System.err.println("dvmc agent: " + ex.getMessage());
            return 2;
        }
        Lifecycle.runUntilShutdown(agent, "dvmc agent");
        return 0;
    }
}
