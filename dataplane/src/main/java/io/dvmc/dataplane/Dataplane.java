package io.dvmc.dataplane;

import io.dvmc.config.Hangup;
import io.dvmc.config.HostConfig;
import io.dvmc.config.HostConfigWatch;
import io.dvmc.config.IdleStrategies;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.metrics.CountersMetrics;
import io.dvmc.metrics.Gauges;
import io.dvmc.metrics.MetricsEndpoint;
import io.dvmc.metrics.RingMetrics;
import io.dvmc.port.Eal;
import io.dvmc.port.MbufPool;
import io.dvmc.time.HostTimeBase;
import io.dvmc.time.MonotonicClock;
import io.dvmc.wake.Doorbell;
import io.dvmc.wake.SharedDoorbell;
import io.dvmc.wake.WaitingIdleStrategy;
import io.dvmc.wake.Waker;
import org.agrona.CloseHelper;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One host's dataplane, assembled: counters, rings to the agent, EAL, mempool, ports, the DHCP worker and the
 * poll loop.
 *
 * <p>{@code rte_eal_init} pins the calling thread, and every thread it creates afterwards, to the main lcore
 * (DESIGN §3). So the caller's thread, which the EAL does not pin, starts every other thread: the worker's, pinned
 * to {@code dataplane.workerCpu} when given and parked until the ports are up, the store opener's and the metrics
 * endpoint's; a poll thread of its own initialises the EAL (meanwhile the caller opens the files and stores) and
 * then runs the poll loop on that lcore. {@link #close()} may then run on any thread, a shutdown hook's included.
 *
 * <p>With several lanes ({@code dataplane.lanes}) the poll thread is lane 0, and the caller's thread also starts a
 * thread for each other lane (pinned to its {@code dataplane.laneCpus} entry when given), each running a poll loop
 * over its own queue pair of every port with a worker of its own inside ({@link PollLoop}, {@link LaneFeeds}).
 */
public final class Dataplane implements AutoCloseable
{
    /**
     * How long {@link #stop} waits for a thread before it rings the loops' doorbells (and the runner interrupts it):
     * longer than a sleep with the default timeout, so that only a longer sleep needs the bell.
     */
    private static final int CLOSE_WAKE_MS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(Dataplane.class);
    /** The start's phases and their times, logged once the ports are up. */
    private final StringBuilder phases = new StringBuilder();

    public static final String READY_FILE = "dataplane.ready";
    public static final String COUNTERS_FILE = "dataplane-counters.dat";
    private static final int MAX_COUNTERS = 1024;
    private static final int POOL_SIZE = 8191;
    private static final int POOL_CACHE = 256;
    private static final int DATA_ROOM = 2048 + 128;
    private static final int RING_DESCRIPTORS = 1024;
    private static final long CONFIG_POLL_NS = 100_000_000L;
    private static final int QUEUE_FRAMES = 4096;

    private final HostConfig host;
    private final CountersFile countersFile;
    private final RingFiles rings;
    private final StoreAccess stores;
    /** The host's time base, shared with the agent: the lease store's times and the ring's are of it. */
    private final MonotonicClock hostClock;
    private final Thread workerThread;
    /** Lanes 1, 2, ... (index lane - 1): their stores, threads and, once {@link #open} made them, runners. */
    private final StoreAccess[] laneStores;
    private final Thread[] laneThreads;
    private final AtomicReferenceArray<AgentRunner> laneRunners;
    private final CompletableFuture<?>[] lanesPinned;
    /** The queues between the poll thread and the worker, once {@link #open} made them, for the metrics endpoint. */
    private volatile FrameQueue toWorkerQueue;
    private volatile FrameQueue transmitQueue;
    private final MetricsEndpoint metrics;
    private final CountDownLatch workerGo = new CountDownLatch(1);
    private final CompletableFuture<Void> workerPinned = new CompletableFuture<>();
    private volatile AgentRunner workerRunner;
    private AgentRunner pollRunner;
    private Eal eal;
    private MbufPool pool;
    private PortTable ports;
    private final DataplaneCounters counters;
    private Thread configThread;
    /** With {@code idle: wait}: each lane's doorbell, the worker thread's ({@code workers} 1), the agent's ring's. */
    private LaneBells bells = LaneBells.NONE;
    private Doorbell workerBell;
    private SharedDoorbell agentWake;
    private volatile boolean stopping;
    private boolean closed;

    private Dataplane(final HostConfig host)
    {
        this.host = host;
        this.hostClock = openTimeBase(host.statePath());
        this.countersFile = CountersFile.create(host.statePath().resolve(COUNTERS_FILE), MAX_COUNTERS);
        this.rings = RingFiles.open(host.statePath());
        this.counters = new DataplaneCounters(countersFile, List.of(), host.dataplane().lanes());
        this.stores = new StoreAccess(host.statePath(), counters.storeHandovers);
        this.workerThread = new Thread(this::runWorker, "dvmc-dhcp-worker");
        final int otherLanes = host.dataplane().lanes() - 1;
        this.laneStores = new StoreAccess[otherLanes];
        this.laneThreads = new Thread[otherLanes];
        this.laneRunners = new AtomicReferenceArray<>(otherLanes);
        this.lanesPinned = new CompletableFuture<?>[otherLanes];
        for (int i = 0; i < otherLanes; i++)
        {
            final int lane = i + 1;
            // Here, on a thread the EAL did not pin: each store opener's thread must not inherit lane 0's CPU.
            laneStores[i] = new StoreAccess(host.statePath(), counters.storeHandovers, false);
            lanesPinned[i] = new CompletableFuture<Void>();
            laneThreads[i] = new Thread(() -> runLane(lane), "dvmc-lane-" + lane);
        }
        try
        {
            // Started from the caller's thread, which the EAL does not pin (DESIGN §3): the endpoint's are not pinned.
            this.metrics = startMetrics(host);
        }
        catch (final RuntimeException ex)
        {
            stores.close();
            for (final StoreAccess lane : laneStores)
            {
                lane.close();
            }
            rings.close();
            countersFile.close();
            throw ex;
        }
    }

    private MetricsEndpoint startMetrics(final HostConfig host)
    {
        final InetSocketAddress address = host.dataplaneMetrics();
        if (address == null)
        {
            return null;
        }
        final Gauges gauges = new Gauges();
        RingMetrics.add(gauges, "dvmc_dataplane_", rings);
        gauges.add("dvmc_dataplane_queue_frames", "Frames waiting in an in-process queue: to the DHCP worker, or " +
            "to transmit", () -> depth(toWorkerQueue), "queue", "worker");
        gauges.add("dvmc_dataplane_queue_frames", "", () -> depth(transmitQueue), "queue", "tx");
        gauges.add("dvmc_dataplane_queue_capacity_frames", "Frames an in-process queue holds at most",
            () -> capacity(toWorkerQueue), "queue", "worker");
        gauges.add("dvmc_dataplane_queue_capacity_frames", "", () -> capacity(transmitQueue), "queue", "tx");
        return MetricsEndpoint.start("dataplane", address,
            List.of(new CountersMetrics("dataplane", countersFile), gauges));
    }

    private static long depth(final FrameQueue queue)
    {
        return queue == null ? 0 : queue.depth();
    }

    private static long capacity(final FrameQueue queue)
    {
        return queue == null ? 0 : queue.capacity();
    }

    private static MonotonicClock openTimeBase(final Path stateDir)
    {
        try
        {
            return HostTimeBase.open(stateDir).clock();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("the host's time base in " + stateDir + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Starts the worker's thread, then a poll thread that initialises the EAL, sets the ports up and runs the poll
     * loop; returns once the ports are up, or throws what stopped them.
     */
    public static Dataplane start(final HostConfig host, final String idle)
    {
        return start(host, null, idle);
    }

    /**
     * As {@link #start(HostConfig, String)}, then watches {@code configFile} (where {@code host} was read from;
     * null: no watch) for port changes, checked about once a second and at once on SIGHUP. The dataplane watches
     * the file itself rather than hear of ports from the agent: ports are this host's devices, not policy (the
     * policy store holds bindings only), and it is the process that owns them, agent running or not.
     */
    public static Dataplane start(final HostConfig host, final Path configFile, final String idle)
    {
        // The EAL (whose TSC calibration sleeps 100 ms where the CPU does not tell the frequency) and the mbuf pool
        // (a page fault per mbuf without hugepages) are most of a restart: the poll thread starts them at once, and
        // this thread opens the files and stores meanwhile.
        final CompletableFuture<Dataplane> built = new CompletableFuture<>();
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final Thread poll = new Thread(() -> poll(host, idle, built, opened), "dvmc-poll");
        final long begin = System.nanoTime();
        poll.start();
        final Dataplane dataplane;
        try
        {
            dataplane = new Dataplane(host);
        }
        catch (final RuntimeException ex)
        {
            built.completeExceptionally(ex);
            // The poll thread closes whatever of the EAL it started before this start gives up.
            opened.exceptionally(ignored -> null).join();
            throw ex;
        }
        dataplane.phases.append("beside them files and stores ").append(millisSince(begin)).append(" ms");
        dataplane.workerThread.start();
        for (final Thread lane : dataplane.laneThreads)
        {
            lane.start();
        }
        try
        {
            dataplane.workerPinned.join();
            CompletableFuture.allOf(dataplane.lanesPinned).join();
            built.complete(dataplane);
            opened.join();
        }
        catch (final CompletionException ex)
        {
            built.completeExceptionally(ex.getCause());
            opened.exceptionally(ignored -> null).join();
            dataplane.close();
            throw ex.getCause() instanceof RuntimeException r ? r : ex;
        }
        if (configFile != null)
        {
            dataplane.watchPorts(configFile);
        }
        return dataplane;
    }

    /**
     * The poll thread: the EAL and the mbuf pool, then (once the caller built the dataplane) the ports and the poll
     * loop. A start that fails on either side leaves no EAL behind.
     */
    private static void poll(final HostConfig host, final String idle, final CompletableFuture<Dataplane> built,
        final CompletableFuture<Void> opened)
    {
        final Eal eal;
        final MbufPool pool;
        final String nativePhases;
        try
        {
            long phase = System.nanoTime();
            eal = Eal.init(EalArgs.of(host.dataplane()));
            final long ealMillis = millisSince(phase);
            phase = System.nanoTime();
            try
            {
                pool = MbufPool.create("dvmc_pool", POOL_SIZE, POOL_CACHE, DATA_ROOM, Eal.socketId());
            }
            catch (final RuntimeException ex)
            {
                eal.close();
                throw ex;
            }
            nativePhases = "EAL " + ealMillis + " ms, mbuf pool " + millisSince(phase) + " ms, ";
        }
        catch (final RuntimeException ex)
        {
            opened.completeExceptionally(ex);
            return;
        }
        final Dataplane dataplane;
        try
        {
            dataplane = built.join();
        }
        catch (final CompletionException ex)
        {
            pool.close();
            eal.close();
            opened.completeExceptionally(ex.getCause());
            return;
        }
        try
        {
            dataplane.eal = eal;
            dataplane.pool = pool;
            dataplane.phases.insert(0, nativePhases);
            dataplane.open(idle);
            opened.complete(null);
        }
        catch (final RuntimeException ex)
        {
            opened.completeExceptionally(ex);
            return;
        }
        dataplane.pollRunner.run();
    }

    private void watchPorts(final Path configFile)
    {
        final HostConfigWatch watch = new HostConfigWatch(configFile, HostConfigWatch.CHECK_INTERVAL_MS,
            "dvmc dataplane", counters.hostConfigRefused);
        Hangup.handle("dvmc dataplane", watch::reload);
        configThread = new Thread(() -> {
            while (!stopping)
            {
                final HostConfig changed = watch.poll(System.currentTimeMillis());
                if (changed != null)
                {
                    ports.offer(changed.dataplane().ports());
                }
                LockSupport.parkNanos(CONFIG_POLL_NS);
            }
        }, "dvmc-config");
        configThread.setDaemon(true);
        configThread.start();
    }

    private void open(final String idle)
    {
        final long phase = System.nanoTime();
        final int lanes = host.dataplane().lanes();
        final List<Queue<PortTable.PortEvent>> laneEvents = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++)
        {
            laneEvents.add(new ConcurrentLinkedQueue<>());
        }
        final Queue<PortTable.PortEvent> portEvents = laneEvents.get(0);
        ports = new PortTable(pool, RING_DESCRIPTORS, counters, laneEvents, SystemEpochClock.INSTANCE);
        ports.attachAtStart(host.dataplane().ports());
        phases.append("; then ports ").append(millisSince(phase)).append(" ms");
        // host.json's bindings until the agent sends its own set (it does at its start and on this one's HELLO).
        final PortBindings bindings = new PortBindings(host.bindings(), host.portIndex());
        final var errors = counters.errors;
        final boolean sleeps = WaitingIdleStrategy.ALIAS.equals(idle);
        final ManyToOneRingBuffer fromAgent = rings.toDataplane();
        if (sleeps)
        {
            bells = LaneBells.forLanes(lanes);
            ports.wakeLanesWith(bells);
            agentWake = openAgentWake();
        }
        if (lanes > 1)
        {
            // Each lane's feed holds what the agent's ring holds, so any message of that ring fits in it.
            final LaneFeeds feeds = new LaneFeeds(lanes, fromAgent.capacity());
            final ReleaseHolds holds = DhcpWorker.sharedReleaseHolds();
            feeds.wakeWith(bells);
            for (int lane = 0; lane < lanes; lane++)
            {
                final StoreAccess laneStore = lane == 0 ? stores : laneStores[lane - 1];
                final DhcpWorker worker = lane == 0
                    ? worker(null, null, bindings, portEvents, stores)
                    : worker(null, null, new PortBindings(host.bindings(), host.portIndex()), laneEvents.get(lane),
                        laneStore);
                worker.servesLane(lane, feeds, holds);
                final PollLoop loop = new PollLoop(ports, lane, worker, counters);
                final int self = lane;
                final AgentRunner runner = new AgentRunner(
                    loopIdle(idle, loop, laneStore,
                        lane == 0 ? () -> false : () -> feeds.feed(self).size() > 0 || ports.awaits(self)),
                    Dataplane::logError, errors, new CompositeAgent(loop, worker));
                if (lane == 0)
                {
                    pollRunner = runner;
                }
                else
                {
                    laneRunners.set(lane - 1, runner);
                }
            }
        }
        else if (host.dataplane().workers() == 0)
        {
            final DhcpWorker worker = worker(null, null, bindings, portEvents, stores);
            final PollLoop loop = new PollLoop(ports, worker, counters);
            pollRunner = new AgentRunner(loopIdle(idle, loop, stores, () -> false),
                Dataplane::logError, errors, new CompositeAgent(loop, worker));
        }
        else
        {
            // One producer and one consumer each: the poll thread and the worker's.
            final FrameQueue toWorker = FrameQueue.oneToOne(QUEUE_FRAMES);
            final FrameQueue txQueue = FrameQueue.oneToOne(QUEUE_FRAMES);
            this.toWorkerQueue = toWorker;
            this.transmitQueue = txQueue;
            final DhcpWorker worker = worker(toWorker, txQueue, bindings, portEvents, stores);
            final PollLoop loop = new PollLoop(ports, toWorker, txQueue, counters);
            if (sleeps)
            {
                // Each thread, last in its duty cycle, wakes the other for the frames it queued.
                final Doorbell toPoll = bells.of(0);
                workerBell = new Doorbell();
                final Doorbell toWorkerBell = workerBell;
                final WaitingIdleStrategy workerIdle = (WaitingIdleStrategy)IdleStrategies.of(idle);
                workerIdle.countSleepsIn(counters.loopSleeps);
                workerIdle.wakeBy(toWorkerBell, () -> toWorker.depth() > 0 || stores.opened());
                workerIdle.wakeBy(agentWake, () -> fromAgent.size() > 0);
                stores.wakeWith(toWorkerBell);
                workerRunner = new AgentRunner(workerIdle, Dataplane::logError, errors, new CompositeAgent(worker,
                    new Waker("dvmc-poll-wake", () -> txQueue.depth() > 0, toPoll::ringIfArmed, null)));
                pollRunner = new AgentRunner(loopIdle(idle, loop, null, () -> txQueue.depth() > 0),
                    Dataplane::logError, errors, new CompositeAgent(loop,
                        new Waker("dvmc-worker-wake", () -> toWorker.depth() > 0, toWorkerBell::ringIfArmed, null)));
            }
            else
            {
                workerRunner = new AgentRunner(IdleStrategies.of(idle), Dataplane::logError, errors, worker);
                pollRunner = new AgentRunner(IdleStrategies.of(idle), Dataplane::logError, errors, loop);
            }
        }
        workerGo.countDown();
        writeReadyFile();
        // Where a restart's time went, for an operator timing one (the JVM's own start is before all of these).
        LOG.info("started: {}", phases);
    }

    /**
     * A loop's idle strategy: as named, or with {@code wait} a {@link LaneIdle} that sleeps on the loop's ports and on
     * its lane's doorbell, rung for what others queued for it ({@code queued}), a port list offered (lane 0), ports
     * that changed under it (other lanes) and stores its helper opened; a loop that calls its worker itself
     * ({@code stores} not null) on lane 0 also sleeps on the agent's ring.
     *
     * @param stores  the stores of the worker the loop calls itself; null when its worker has a thread of its own.
     * @param queued  whether others queued work for the loop: the worker thread's frames, lane 0's messages and its
     *                request to park.
     */
    private IdleStrategy loopIdle(final String idle, final PollLoop loop, final StoreAccess stores,
        final BooleanSupplier queued)
    {
        if (!WaitingIdleStrategy.ALIAS.equals(idle))
        {
            return IdleStrategies.of(idle);
        }
        final int lane = loop.lane();
        final Doorbell bell = bells.of(lane);
        final WaitingIdleStrategy waiting = (WaitingIdleStrategy)IdleStrategies.of(idle);
        final LaneIdle laneIdle = new LaneIdle(loop.roleName(), lane, waiting, counters.loopSleeps,
            counters.loopsBackingOff);
        waiting.wakeBy(bell, () -> queued.getAsBoolean() || (lane == 0 ? ports.offered() : laneIdle.stale(ports)) ||
            stores != null && stores.opened());
        if (stores != null)
        {
            stores.wakeWith(bell);
            if (lane == 0)
            {
                final ManyToOneRingBuffer fromAgent = rings.toDataplane();
                waiting.wakeBy(agentWake, () -> fromAgent.size() > 0);
            }
        }
        loop.sleepsWith(laneIdle);
        return laneIdle;
    }

    private SharedDoorbell openAgentWake()
    {
        try
        {
            return rings.toDataplaneWaiter();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("the agent's doorbell " + RingFiles.TO_DATAPLANE_WAKE + ": " +
                ex.getMessage(), ex);
        }
    }

    private static long millisSince(final long startNanos)
    {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private DhcpWorker worker(final FrameQueue toWorker, final FrameQueue txQueue, final PortBindings bindings,
        final Queue<PortTable.PortEvent> portEvents, final StoreAccess stores)
    {
        final DhcpWorker worker = new DhcpWorker(toWorker, txQueue, rings.toAgent(), rings.toDataplane(), bindings,
            portEvents, ports.forward(), ports.relays(), stores, pool, counters, hostClock);
        worker.wakeAgentWith(rings.toAgentRinger());
        return worker;
    }

    /** Lane {@code lane}'s thread (1 or more): pinned if asked, then its poll loop once the ports are up. */
    private void runLane(final int lane)
    {
        final List<Integer> cpus = host.dataplane().laneCpus();
        final Integer cpu = cpus.isEmpty() ? null : cpus.get(lane - 1);
        try
        {
            if (cpu != null)
            {
                CpuPin.currentThread(cpu);
            }
            lanesPinned[lane - 1].complete(null);
        }
        catch (final IllegalStateException ex)
        {
            lanesPinned[lane - 1].completeExceptionally(new IllegalStateException("dataplane.laneCpus: lane " + lane +
                " on CPU " + cpu + ": " + ex.getMessage(), ex));
            return;
        }
        try
        {
            workerGo.await();
        }
        catch (final InterruptedException ex)
        {
            return;
        }
        final AgentRunner runner = laneRunners.get(lane - 1);
        if (runner != null && !stopping)
        {
            runner.run();
        }
    }

    private void runWorker()
    {
        final Integer cpu = host.dataplane().workerCpu();
        try
        {
            if (cpu != null)
            {
                CpuPin.currentThread(cpu);
            }
            workerPinned.complete(null);
        }
        catch (final IllegalStateException ex)
        {
            workerPinned.completeExceptionally(new IllegalStateException("dataplane.workerCpu " + cpu + ": " +
                ex.getMessage(), ex));
            return;
        }
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

    /**
     * Stops both agents and waits for their threads to finish their duty cycles. A thread asleep ({@code idle: wait})
     * would finish only at its sleep's timeout: each wait for a thread rings every loop's doorbell every
     * {@link #CLOSE_WAKE_MS} until it has stopped.
     */
    private void stop()
    {
        stopping = true;
        workerGo.countDown();
        final Consumer<Thread> wake = thread -> wakeLoops();
        if (pollRunner != null)
        {
            pollRunner.close(CLOSE_WAKE_MS, wake);
        }
        if (workerRunner != null)
        {
            workerRunner.close(CLOSE_WAKE_MS, wake);
        }
        for (int i = 0; i < laneRunners.length(); i++)
        {
            final AgentRunner lane = laneRunners.get(i);
            if (lane != null)
            {
                lane.close(CLOSE_WAKE_MS, wake);
            }
        }
    }

    private void wakeLoops()
    {
        bells.ringAll();
        if (workerBell != null)
        {
            workerBell.ring();
        }
    }

    private static void logError(final Throwable error)
    {
        LOG.error("dataplane thread fault (counted as dataplane errors)", error);
    }

    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stop();
        if (metrics != null)
        {
            // Before the counters file is unmapped: a scrape reads it.
            metrics.close();
        }
        try
        {
            Files.deleteIfExists(host.statePath().resolve(READY_FILE));
        }
        catch (final IOException ignore)
        {
            // The next start replaces it.
        }
        if (ports != null)
        {
            ports.close();
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
        for (final StoreAccess lane : laneStores)
        {
            lane.close();
        }
        CloseHelper.quietCloseAll(agentWake, workerBell, bells);
        rings.close();
        countersFile.close();
    }
}
