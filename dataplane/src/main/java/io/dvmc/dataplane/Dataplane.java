package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;
import io.dvmc.config.IdleStrategies;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.port.Eal;
import io.dvmc.port.EthPort;
import io.dvmc.port.MbufPool;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * One host's dataplane, assembled: counters, rings to the agent, EAL, mempool, ports, the DHCP worker and the
 * poll loop.
 *
 * <p>{@code rte_eal_init} pins the calling thread, and every thread it creates afterwards, to the main lcore
 * (DESIGN §3). So the worker's thread is started first and parked until the ports are up, and a poll thread of
 * its own initialises the EAL and then runs the poll loop on that lcore. {@link #close()} may then run on any
 * thread, a shutdown hook's included.
 */
public final class Dataplane implements AutoCloseable
{
    public static final String READY_FILE = "dataplane.ready";
    public static final String COUNTERS_FILE = "dataplane-counters.dat";
    private static final int MAX_COUNTERS = 1024;
    private static final int POOL_SIZE = 8191;
    private static final int POOL_CACHE = 256;
    private static final int DATA_ROOM = 2048 + 128;
    private static final int RING_DESCRIPTORS = 1024;

    private final HostConfig host;
    private final CountersFile countersFile;
    private final RingFiles rings;
    private final StoreAccess stores;
    private final Thread workerThread;
    private final CountDownLatch workerGo = new CountDownLatch(1);
    private volatile AgentRunner workerRunner;
    private AgentRunner pollRunner;
    private Eal eal;
    private MbufPool pool;
    private final List<EthPort> ports = new ArrayList<>();
    private volatile boolean stopping;
    private boolean closed;

    private Dataplane(final HostConfig host)
    {
        this.host = host;
        this.countersFile = CountersFile.create(host.statePath().resolve(COUNTERS_FILE), MAX_COUNTERS);
        this.rings = RingFiles.open(host.statePath());
        this.stores = new StoreAccess(host.statePath(), countersFile.newCounter("store hand-overs", io.dvmc.ipc.CounterTypes.DATAPLANE));
        this.workerThread = new Thread(this::runWorker, "dvmc-dhcp-worker");
    }

    /**
     * Starts the worker's thread, then a poll thread that initialises the EAL, sets the ports up and runs the poll
     * loop; returns once the ports are up, or throws what stopped them.
     */
    public static Dataplane start(final HostConfig host, final String idle)
    {
        final Dataplane dataplane = new Dataplane(host);
        dataplane.workerThread.start();
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final Thread poll = new Thread(() ->
        {
            try
            {
                dataplane.open(idle);
                opened.complete(null);
            }
            catch (final RuntimeException ex)
            {
                opened.completeExceptionally(ex);
                return;
            }
            dataplane.pollRunner.run();
        }, "dvmc-poll");
        poll.start();
        try
        {
            opened.join();
        }
        catch (final CompletionException ex)
        {
            dataplane.close();
            throw ex.getCause() instanceof RuntimeException r ? r : ex;
        }
        return dataplane;
    }

    private void open(final String idle)
    {
        final List<String> portNames = new ArrayList<>();
        for (final HostConfig.Port port : host.dataplane().ports())
        {
            portNames.add(port.name());
        }
        final DataplaneCounters counters = new DataplaneCounters(countersFile, portNames);
        eal = Eal.init(EalArgs.of(host.dataplane()));
        pool = MbufPool.create("dvmc_pool", POOL_SIZE, POOL_CACHE, DATA_ROOM, Eal.socketId());
        for (final HostConfig.Port port : host.dataplane().ports())
        {
            final EthPort ethPort = EthPort.byName(EalArgs.deviceName(port));
            ethPort.setup(pool, RING_DESCRIPTORS, RING_DESCRIPTORS);
            ports.add(ethPort);
        }
        final FrameQueue toWorker = FrameQueue.oneToOne(4096);
        final FrameQueue txQueue = FrameQueue.manyToOne(4096);
        final PortBindings bindings = new PortBindings(host.bindings(), host.portIndex());
        final int[] forward = host.forwardIndex();
        final DhcpWorker worker = new DhcpWorker(toWorker, txQueue, rings.toAgent(), rings.toDataplane(),
            bindings, forward, stores, pool, counters, SystemEpochClock.INSTANCE);
        final AtomicCounter errors = countersFile.newCounter("dataplane errors", io.dvmc.ipc.CounterTypes.DROP);
        final PollLoop pollLoop = new PollLoop(ports.toArray(EthPort[]::new), forward, toWorker, txQueue, counters);
        if (host.dataplane().workers() == 0)
        {
            pollRunner = new AgentRunner(IdleStrategies.of(idle), Dataplane::logError, errors,
                new CompositeAgent(pollLoop, worker));
        }
        else
        {
            workerRunner = new AgentRunner(IdleStrategies.of(idle), Dataplane::logError, errors, worker);
            pollRunner = new AgentRunner(IdleStrategies.of(idle), Dataplane::logError, errors, pollLoop);
        }
        workerGo.countDown();
        writeReadyFile();
    }

    private void runWorker()
    {
        try
        {
            workerGo.await();
        }
        catch (final InterruptedException ex)
        {
            return;
        }
        final AgentRunner runner = workerRunner;
        if (runner != null && !stopping)
        {
            runner.run();
        }
    }

    private void writeReadyFile()
    {
        final Path ready = host.statePath().resolve(READY_FILE);
        try
        {
            final Path tmp = ready.resolveSibling(READY_FILE + ".tmp");
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
            Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot write " + ready, ex);
        }
    }

    /** Stops both agents and waits for their threads to finish their duty cycles. */
    private void stop()
    {
        stopping = true;
        workerGo.countDown();
        if (pollRunner != null)
        {
            pollRunner.close();
        }
        if (workerRunner != null)
        {
            workerRunner.close();
        }
    }

    private static void logError(final Throwable error)
    {
        System.err.println("dvmc dataplane: " + error);
        error.printStackTrace(System.err);
    }

    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stop();
        try
        {
            Files.deleteIfExists(host.statePath().resolve(READY_FILE));
        }
        catch (final IOException ignore)
        {
            // The next start replaces it.
        }
        for (final EthPort port : ports)
        {
            port.close();
        }
        if (pool != null)
        {
            pool.close();
        }
        if (eal != null)
        {
            eal.close();
        }
        stores.close();
        rings.close();
        countersFile.close();
    }
}
