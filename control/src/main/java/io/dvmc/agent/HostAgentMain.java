package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.ConfigException;
import io.dvmc.config.Hangup;
import io.dvmc.config.HostConfig;
import io.dvmc.config.HostConfigWatch;
import io.dvmc.config.IdleStrategies;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.KeyRing;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.lease.StoreFailedException;
import io.dvmc.metrics.CountersMetrics;
import io.dvmc.metrics.Gauges;
import io.dvmc.metrics.MetricsEndpoint;
import io.dvmc.metrics.RingMetrics;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyStore;
import io.dvmc.policy.PolicyStores;
import io.dvmc.time.HostTimeBase;
import io.dvmc.wake.SharedDoorbell;
import io.dvmc.wake.Waker;
import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One host's agent, assembled: counters, rings to the dataplane, the shared stores (recovered at start), the
 * policy store, the DVMC client and the duty cycle, run by an {@link AgentRunner} on its own thread.
 */
public final class HostAgentMain implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HostAgentMain.class);
    public static final String READY_FILE = "agent.ready";
    public static final String COUNTERS_FILE = "agent-counters.dat";
    private static final int MAX_DOMAINS = 4_096;
    private static final long LOCATION_TTL_MS = 30_000;
    /** EX_IOERR of sysexits.h; the systemd unit restarts the agent. */
    static final int EXIT_STORE_FAILED = 74;
    private static final AtomicBoolean EXITING = new AtomicBoolean();
    private static Thread warmUp;

    private final HostConfig host;
    private final PolicyStore policy;
    private final CountersFile countersFile;
    private final RingFiles rings;
    private final HostStores stores;
    private final DvmcClient client;
    private final AgentRunner runner;
    private final MetricsEndpoint metrics;
    /** The dataplane's doorbell, when the agent sleeps while idle; else null. */
    private final SharedDoorbell wake;

    private HostAgentMain(final HostConfig host, final Path configFile, final String idle)
        throws ConfigException, PolicyException, IOException
    {
        this.host = host;
        // Chronicle's class loading, meanwhile all the rest is built: the dataplane's fast path stops from the YIELD to
        // the READY of stores.open(), which must not include it.
        final Thread warmUp = warmUp();
        final KeyRing keys = ClusterKeyFile.loadRing(Path.of(host.keyFile()));
        final int signingKey = signingKey(keys, host);
        policy = PolicyStores.open(host);
        countersFile = CountersFile.create(host.statePath().resolve(COUNTERS_FILE), AgentCounters.CAPACITY);
        final AgentCounters counters = new AgentCounters(countersFile);
        rings = RingFiles.open(host.statePath());
        stores = new HostStores(host.statePath(), rings.toDataplane(), counters, host.agent().maxLeases(),
            MAX_DOMAINS,
            Duration.ofSeconds(30));
        DvmcClient exchanges = null;
        MetricsEndpoint endpoint = null;
        SharedDoorbell wake = null;
        try
        {
            // Shared with the dataplane: the times in the lease store and on the rings are of this time base.
            final HostTimeBase time = HostTimeBase.open(host.statePath());
            final EpochClock clock = time.clock();
            final HostAgent agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores,
                new ServiceLocator(policy, clock, LOCATION_TTL_MS, counters, host.hostId()), policy,
                counters, clock, host.agent().maxExchanges(),
                new RequestLimits(host.agent().limits(), SystemNanoClock.INSTANCE));
            exchanges = new DvmcClient(host.agentListen(), Addresses.parseIpv4(host.hostAddress()), host.hostId(),
                host.agent().maxExchanges(), ServiceLocator.FAILOVER_RETRY,
                new Authenticator(keys, signingKey, Authenticator.DEFAULT_WINDOW_MS,
                    Authenticator.DEFAULT_REPLAY_CAPACITY),
                SystemEpochClock.INSTANCE, SystemNanoClock.INSTANCE, agent);
            agent.client(exchanges);
            agent.leaseRequests(host.statePath());
            final HostBindings fileBindings = hostBindings(host, configFile, counters);
            final HostBindings sources = new MergedBindings(fileBindings,
                new PolicyStoreBindings(policy, host.hostId()));
            final BindingPublisher bindings = new BindingPublisher(sources,
                rings.toDataplane(), stores, counters, clock);
            agent.bindings(bindings);
            final IdleStrategy idleStrategy = IdleStrategies.of(idle);
            if (idleStrategy instanceof WaitingIdleStrategy waiting)
            {
                // Asleep, the agent wakes for a service's reply or for a VM's request the dataplane rings for.
                wake = rings.toAgentWaiter();
                final ManyToOneRingBuffer toAgent = rings.toAgent();
                waiting.waitOn(exchanges.channel());
                waiting.wakeBy(wake, () -> toAgent.size() > 0);
            }
            // Last in the duty cycle: a sleeping dataplane (idle wait) is woken once for all this cycle wrote to it.
            final ManyToOneRingBuffer toDataplane = rings.toDataplane();
            final SharedDoorbell dataplaneWake = rings.toDataplaneRinger();
            runner = new AgentRunner(idleStrategy, HostAgentMain::logError,
                counters.errors,
                new CompositeAgent(agent, bindings, new Waker("dvmc-dataplane-wake", () -> toDataplane.size() > 0,
                    dataplaneWake::ring, dataplaneWake)));
            endpoint = startMetrics(host, agent);
            // Last, once all else is built while Chronicle's classes load: from the YIELD inside until its READY the
            // dataplane's fast path waits.
            awaitWarmUp(warmUp);
            stores.open(time.bootId());
            client = exchanges;
            metrics = endpoint;
            this.wake = wake;
            Hangup.handle("dvmc agent", () -> reload(fileBindings, host));
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietCloseAll(endpoint, exchanges, wake, stores, rings, countersFile,
                PolicyStores.closer(policy));
            throw ex;
        }
    }

    private MetricsEndpoint startMetrics(final HostConfig host, final HostAgent agent)
    {
        final InetSocketAddress address = host.agentMetrics();
        if (address == null)
        {
            return null;
        }
        final Gauges rings = new Gauges();
        RingMetrics.add(rings, "dvmc_agent_", this.rings);
        return MetricsEndpoint.start("agent", address, List.of(new CountersMetrics("agent", countersFile),
            agent.latency().histogram(), rings));
    }

    /**
     * Starts loading Chronicle's classes on a thread of its own, once: call it first thing, before the host config is
     * read, since that load is the longest step of a start.
     */
    public static synchronized Thread warmUp()
    {
        if (warmUp == null)
        {
            warmUp = Thread.ofPlatform().name("dvmc-store-warm-up").daemon().start(HostStores::warmUp);
        }
        return warmUp;
    }

    private static void awaitWarmUp(final Thread warmUp)
    {
        try
        {
            warmUp.join();
        }
        catch (final InterruptedException ex)
        {
            // Stopping: the open that follows is cut short the same way.
            Thread.currentThread().interrupt();
        }
    }

    private static int signingKey(final KeyRing keys, final HostConfig host) throws ConfigException
    {
        try
        {
            return keys.signingKeyFor(host.hostId()).id();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(host.keyFile() + ": " + ex.getMessage());
        }
    }

    /**
     * The host's bindings: host.json's, re-read when it changes and on SIGHUP; fixed when there is no file to
     * watch.
     */
    private static HostBindings hostBindings(final HostConfig host, final Path configFile, final AgentCounters counters)
    {
        if (configFile == null)
        {
            return HostBindings.of(host.bindings());
        }
        return new HostConfigBindings(configFile, host, HostConfigWatch.CHECK_INTERVAL_MS,
            counters.hostConfigRefused);
    }

    /** SIGHUP: host.json's bindings and the key file, whose host key may have been rotated; a bad file keeps the old. */
    private void reload(final HostBindings fileBindings, final HostConfig host)
    {
        if (fileBindings instanceof HostConfigBindings watched)
        {
            watched.reload();
        }
        if (policy instanceof FilePolicyStore file)
        {
            file.reload();
        }
        try
        {
            final KeyRing keys = ClusterKeyFile.loadRing(Path.of(host.keyFile()));
            client.reloadKeys(keys, signingKey(keys, host));
            LOG.info("key ring reloaded: signing with key {}", signingKey(keys, host));
        }
        catch (final ConfigException | RuntimeException ex)
        {
            LOG.error("key file not reloaded, the keys in use stay: {}", ex.getMessage());
        }
    }

    public static HostAgentMain start(final HostConfig host, final String idle)
        throws ConfigException, PolicyException, IOException
    {
        return start(host, null, idle);
    }

    /** @param configFile where {@code host} was read from: its bindings are re-read when it changes. */
    public static HostAgentMain start(final HostConfig host, final Path configFile, final String idle)
        throws ConfigException, PolicyException, IOException
    {
        final HostAgentMain main = new HostAgentMain(host, configFile, idle);
        AgentRunner.startOnThread(main.runner);
        main.writeReadyFile();
        return main;
    }

    private void writeReadyFile() throws IOException
    {
        final Path ready = host.statePath().resolve(READY_FILE);
        final Path tmp = ready.resolveSibling(READY_FILE + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + " " + client.localAddress() + "\n");
        Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void logError(final Throwable error)
    {
        LOG.error("agent error", error);
        if (isFatal(error) && EXITING.compareAndSet(false, true))
        {
            LOG.error("the host's stores are unusable; exiting so that a restart opens them anew");
            // Not on the agent thread: exit runs the shutdown hook, which waits for that thread to stop.
            new Thread(() -> System.exit(EXIT_STORE_FAILED), "dvmc-agent-exit").start();
        }
    }

    /** Whether {@code error} leaves the agent unable to go on: a store that could not be mapped again. */
    static boolean isFatal(final Throwable error)
    {
        for (Throwable t = error; t != null; t = t.getCause())
        {
            if (t instanceof StoreFailedException)
            {
                return true;
            }
        }
        return false;
    }

    public void close()
    {
        try
        {
            Files.deleteIfExists(host.statePath().resolve(READY_FILE));
        }
        catch (final IOException ignore)
        {
            // The next start replaces it.
        }
        // The metrics endpoint first: a scrape reads the counters file and the rings.
        CloseHelper.quietCloseAll(metrics, runner, client, wake, rings, countersFile, PolicyStores.closer(policy));
    }
}
