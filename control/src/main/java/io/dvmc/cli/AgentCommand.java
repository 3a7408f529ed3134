package io.dvmc.cli;

import io.dvmc.agent.HostAgentMain;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.Lifecycle;
import io.dvmc.policy.PolicyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Runs the host agent: the dataplane's slow path, the DVMC client, the writer of the lease store.")
final class AgentCommand implements Callable<Integer>
{
    @Option(names = "--config", required = true, description = "host config file (JSON)")
    private Path config;

    @Option(names = "--idle", defaultValue = "backoff", description = "idle strategy: busy, yield, backoff, sleep")
    private String idle;

    public Integer call() throws InterruptedException
    {
        final HostAgentMain agent;
        try
        {
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
