package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;
import io.dvmc.port.EthPort;
import io.dvmc.port.MbufPool;
import io.dvmc.port.PortDescriptors;
import io.dvmc.port.RxInterrupt;
import io.dvmc.port.VdevHotplug;
import io.dvmc.port.VdevPresence;
import io.dvmc.port.VhostSocket;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.dvmc.relay.RelayLinks;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The dataplane's ports by slot, the port index that frames, bindings and the agent's replies carry. The host
 * config's ports are attached at start, each vdev hot-plugged as at run time, so that one whose device is not
 * there (a VM's tap or vhost-user socket not created yet, a pcap file missing) leaves the others served: it is
 * logged, shown in the {@code ports_not_attached} gauge and tried again every {@link #RETRY_MS} ms while host.json
 * names it, as Kea goes on with the interfaces it can open. A PCI NIC that does not start stops the dataplane.
 * Afterwards the port list host.json has now is {@link #offer offered} from any thread, and the poll thread, which
 * alone touches ports, applies it between two duty cycles
 * ({@link #applyPending()}): a new vdev is hot-plugged ({@code rte_eal_hotplug_add}), configured, started and
 * polled; a removed one is closed and detached; a changed device is both. A PCI NIC is allow-listed at EAL start
 * and so needs a restart. The worker hears of each change ({@link PortEvent}) to resolve the bindings by port name.
 *
 * <p>With several lanes ({@code dataplane.lanes}) each port has a queue pair per lane, and each lane's thread polls
 * and sends on its own queues only. Lane 0's thread applies the changes: it first asks the other lanes to park
 * ({@link #mayPoll}), and changes the ports only once each of them has finished the duty cycle it was in, so no
 * lane ever touches a port that is being stopped, closed or set up. Every lane's worker hears of each change.
 *
 * <p>A freed slot is not given to another port for a while: a reply to the old port's VM may still be on its way
 * (the agent's DVMC exchange lasts up to about 8 s) and must not reach the new port's VM.
 */
final class PortTable
{
    private static final Logger LOG = LoggerFactory.getLogger(PortTable.class);

    /** RTE_MAX_ETHPORTS of Debian's DPDK build. */
    static final int MAX_PORTS = 32;
    static final long SLOT_QUARANTINE_MS = 30_000;
    /** How often ports that could not be attached are tried again. */
    static final long RETRY_MS = 2_000;

    /** A port attached at {@code slot}, or detached ({@code slot} is {@link PortBindings#NONE}). */
    record PortEvent(String name, int slot)
    {
    }

    /** Longs between two lanes' parked words: two cache lines, so that lanes do not share one. */
    private static final int PARKED_STRIDE = 16;

    private final MbufPool pool;
    private final int descriptors;
    private final int lanes;
    private final DataplaneCounters counters;
    private final List<Queue<PortEvent>> toWorkers;
    /** Odd while lane 0 waits to change the ports: the other lanes park until it is even again. */
    private volatile long changeEpoch;
    /** Per lane (at lane * {@link #PARKED_STRIDE}), the odd epoch it parked for last. */
    private final AtomicLongArray parked;
    private final EpochClock clock;
    private final AtomicReference<List<HostConfig.Port>> pending = new AtomicReference<>();
    private final EthPort[] ports = new EthPort[MAX_PORTS];
    private final HostConfig.Port[] configs = new HostConfig.Port[MAX_PORTS];
    /** Written by the poll thread, read by the worker too: release stores, acquire loads (plain on x86). */
    private final AtomicIntegerArray forward = new AtomicIntegerArray(MAX_PORTS);
    /** Per slot, the links of a relay-facing port, else null; written by the poll thread, read by the worker. */
    private final AtomicReferenceArray<RelayLinks> relays = new AtomicReferenceArray<>(MAX_PORTS);
    private final long[] freedAtMs = new long[MAX_PORTS];
    private final boolean[] partialChecksums = new boolean[MAX_PORTS];
    /** Per slot, what a loop may sleep on for the port ({@link PortDescriptors}); empty for none. */
    private final int[][] wakeDescriptors = new int[MAX_PORTS][];
    /** Per slot, the rx interrupt of each lane's queue, for a port that has them instead of descriptors. */
    private final RxInterrupt[][] rxInterrupts = new RxInterrupt[MAX_PORTS][];
    /** Moves at each attach and detach, so that sleeping loops take the ports' descriptors again. */
    private volatile int version;
    /** The doorbells of the lanes' loops, when they sleep ({@code idle: wait}). */
    private LaneBells bells = LaneBells.NONE;
    private int limit;
    /** The port list in force: host.json's at start, then the last one applied. */
    private List<HostConfig.Port> wanted = List.of();
    /** Ports of {@link #wanted} not attached, by name, with the cause last logged (logged again when it changes). */
    private final Map<String, String> notAttached = new HashMap<>();
    private long nextRetryMs;

    /** A table of ports with a queue pair for each of {@code toWorkers.size()} lanes, whose workers hear of changes. */
    PortTable(
        final MbufPool pool,
        final int descriptors,
        final DataplaneCounters counters,
        final List<Queue<PortEvent>> toWorkers,
        final EpochClock clock)
    {
        this.pool = pool;
        this.descriptors = descriptors;
        this.lanes = toWorkers.size();
        this.counters = counters;
        this.toWorkers = List.copyOf(toWorkers);
        this.parked = new AtomicLongArray(lanes * PARKED_STRIDE);
        this.clock = clock;
        for (int slot = 0; slot < MAX_PORTS; slot++)
        {
            forward.setRelease(slot, -1);
        }
        Arrays.fill(freedAtMs, Long.MIN_VALUE / 2);
    }

    /**
     * The ports of the start config, each in the slot of its index in the config (host.json's port index). A PCI NIC
     * that cannot start stops the dataplane; a vdev that cannot waits for the next try.
     */
    void attachAtStart(final List<HostConfig.Port> start)
    {
        wanted = List.copyOf(start);
        for (int slot = 0; slot < start.size(); slot++)
        {
            final HostConfig.Port port = start.get(slot);
            if (!EalArgs.isVdev(port))
            {
                attach(port, slot);
            }
            else if (!tryAttach(port, slot))
            {
                // Its bindings, which host.json's port index gives this slot, must not follow another port into it.
                announce(new PortEvent(port.name(), PortBindings.NONE));
            }
        }
        settle();
    }

    /** The port list host.json has now; any thread. The poll thread applies the latest one offered. */
    void offer(final List<HostConfig.Port> wanted)
    {
        pending.set(List.copyOf(wanted));
        bells.ring(0);
    }

    /**
     * The doorbells of the lanes' loops that sleep: lane 0's is rung for a port list offered, the others' when lane 0
     * asks them to park and when it lets them go on. Before the loops run.
     */
    void wakeLanesWith(final LaneBells bells)
    {
        this.bells = bells;
    }

    /**
     * On the poll thread (lane 0's), between duty cycles: the latest port list offered, else, when its time has come,
     * another try of the ports not attached; with several lanes, once the others have parked.
     *
     * @return 1 if either ran or waits for the lanes to park.
     */
    int applyPending()
    {
        final boolean offered = pending.get() != null;
        if (!offered && (notAttached.isEmpty() || clock.time() - nextRetryMs < 0))
        {
            return 0;
        }
        if (!otherLanesParked())
        {
            return 1;
        }
        if (offered)
        {
            apply(pending.getAndSet(null));
        }
        else
        {
            attachMissing();
        }
        if (lanes > 1)
        {
            changeEpoch = changeEpoch + 1;
            bells.ringOtherLanes();
        }
        return 1;
    }

    /** Asks the other lanes to park, if not asked yet; @return whether each of them has. */
    private boolean otherLanesParked()
    {
        if (lanes == 1)
        {
            return true;
        }
        long epoch = changeEpoch;
        if ((epoch & 1) == 0)
        {
            changeEpoch = ++epoch;
            bells.ringOtherLanes();
        }
        for (int lane = 1; lane < lanes; lane++)
        {
            if (parked.get(lane * PARKED_STRIDE) != epoch)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * On lane {@code lane}'s thread (1 or more), before it touches any port in a duty cycle: false while lane 0
     * changes the ports, and the lane then touches none. Saying so, after a duty cycle's port calls, is what lets
     * lane 0 go on.
     */
    boolean mayPoll(final int lane)
    {
        final long epoch = changeEpoch;
        if ((epoch & 1) == 0)
        {
            return true;
        }
        parked.setRelease(lane * PARKED_STRIDE, epoch);
        return false;
    }

    /** How many lanes, each with a queue pair on every port. */
    int lanes()
    {
        return lanes;
    }

    private void announce(final PortEvent event)
    {
        for (final Queue<PortEvent> toWorker : toWorkers)
        {
            toWorker.add(event);
        }
    }

    private void apply(final List<HostConfig.Port> wanted)
    {
        this.wanted = wanted;
        final Map<String, HostConfig.Port> byName = new HashMap<>();
        for (final HostConfig.Port port : wanted)
        {
            byName.put(port.name(), port);
        }
        for (int slot = 0; slot < limit; slot++)
        {
            final HostConfig.Port now = configs[slot];
            if (now != null)
            {
                final HostConfig.Port next = byName.get(now.name());
                if (next == null || !next.device().equals(now.device()))
                {
                    detach(slot);
                }
                else
                {
                    configs[slot] = next;
                    relays.setRelease(slot, relayLinks(next));
                }
            }
        }
        notAttached.keySet().retainAll(byName.keySet());
        attachMissing();
    }

    /** Attaches each port in force that has no slot; one that cannot be waits for the next try. */
    private void attachMissing()
    {
        for (final HostConfig.Port port : wanted)
        {
            if (slotOf(port.name()) == PortBindings.NONE)
            {
                tryAttach(port, freeSlot());
            }
        }
        settle();
    }

    /** @return whether the vdev {@code port} was attached; if not, it waits for the next try. */
    private boolean tryAttach(final HostConfig.Port port, final int slot)
    {
        try
        {
            if (!EalArgs.isVdev(port))
            {
                throw new IllegalArgumentException("a PCI device is allow-listed at EAL start: restart the dataplane");
            }
            attach(port, slot);
            return true;
        }
        catch (final RuntimeException ex)
        {
            waiting(port, ex);
            return false;
        }
    }

    /** After ports were attached or not: forwarding follows, and the next try of those waiting is due later. */
    private void settle()
    {
        updateForward();
        nextRetryMs = clock.time() + RETRY_MS;
        counters.portsNotAttached.setRelease(notAttached.size());
    }

    /** A port of host.json that could not be attached: logged when its cause is new, tried again later. */
    private void waiting(final HostConfig.Port port, final RuntimeException ex)
    {
        final String cause = String.valueOf(ex.getMessage());
        if (!cause.equals(notAttached.put(port.name(), cause)))
        {
            LOG.error("port {} ({}) not attached: {}; tried again every {} s while host.json names it", port.name(),
                port.device(), cause, RETRY_MS / 1000);
        }
    }

    /** A vdev is created by hot-plug; a PCI NIC the EAL has from its arguments. */
    private void attach(final HostConfig.Port port, final int slot)
    {
        final boolean hotplug = EalArgs.isVdev(port);
        if (slot == PortBindings.NONE)
        {
            throw new IllegalStateException("no free port slot (" + MAX_PORTS + " ports at most)");
        }
        final String device = EalArgs.deviceName(port);
        if (hotplug)
        {
            final String absent = VdevPresence.absence(port.device());
            if (absent != null)
            {
                throw new IllegalStateException(absent);
            }
            removeStaleSocket(port.device());
            final int comma = port.device().indexOf(',');
            VdevHotplug.add(device, comma < 0 ? "" : port.device().substring(comma + 1));
        }
        final EthPort ethPort;
        try
        {
            ethPort = EthPort.byName(device);
            ethPort.setup(pool, descriptors, descriptors, lanes);
        }
        catch (final RuntimeException ex)
        {
            if (hotplug)
            {
                unplug(device);
            }
            throw ex;
        }
        ports[slot] = ethPort;
        configs[slot] = port;
        wakeDescriptors[slot] = descriptorsOf(port, ethPort);
        rxInterrupts[slot] = wakeDescriptors[slot].length == 0 ? rxInterruptsOf(port, ethPort) : null;
        version++;
        relays.setRelease(slot, relayLinks(port));
        partialChecksums[slot] = device.startsWith("net_af_packet") || device.startsWith("net_pcap") ||
            device.startsWith("net_tap");
        limit = Math.max(limit, slot + 1);
        counters.attachPort(slot, port.name());
        announce(new PortEvent(port.name(), slot));
        if (notAttached.remove(port.name()) != null)
        {
            LOG.info("port {} ({}) attached at index {}, at last", port.name(), port.device(), slot);
        }
        else
        {
            LOG.info("port {} ({}) attached at index {}", port.name(), port.device(), slot);
        }
    }

    private static int[] descriptorsOf(final HostConfig.Port port, final EthPort ethPort)
    {
        try
        {
            return PortDescriptors.of(port.device(), ethPort);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("port {} ({}): no descriptor to sleep on ({}); a loop that sleeps backs off while it is attached",
                port.name(), port.device(), ex.getMessage());
            return PortDescriptors.NONE;
        }
    }

    private RxInterrupt[] rxInterruptsOf(final HostConfig.Port port, final EthPort ethPort)
    {
        final RxInterrupt[] interrupts = new RxInterrupt[lanes];
        try
        {
            for (int lane = 0; lane < lanes; lane++)
            {
                interrupts[lane] = ethPort.rxInterrupt(lane);
                if (interrupts[lane] == null)
                {
                    return null;
                }
            }
            return interrupts;
        }
        catch (final RuntimeException ex)
        {
            LOG.warn(
                "port {} ({}): no rx interrupt to sleep on ({}); a loop that sleeps backs off while it is attached",
                port.name(), port.device(), ex.getMessage());
            return null;
        }
    }

    /**
     * The rx interrupt of lane {@code lane}'s queue of the port at {@code slot}, for a port with rx interrupts and no
     * {@link #wakeDescriptors}; null for none. On lane {@code lane}'s thread, as {@link #port}.
     */
    RxInterrupt rxInterrupt(final int slot, final int lane)
    {
        final RxInterrupt[] interrupts = rxInterrupts[slot];
        return interrupts == null ? null : interrupts[lane];
    }

    /** The name host.json gives the port at {@code slot}. On a loop's thread, as {@link #port}. */
    String name(final int slot)
    {
        return configs[slot].name();
    }

    /** Whether a port list was offered that lane 0 has not applied yet. */
    boolean offered()
    {
        return pending.get() != null;
    }

    /** Whether lane 0 asks lane {@code lane} to park and it has not yet. */
    boolean awaits(final int lane)
    {
        final long epoch = changeEpoch;
        return (epoch & 1) != 0 && parked.get(lane * PARKED_STRIDE) != epoch;
    }

    /** Moves at each attach and detach: a sleeping loop then takes {@link #wakeDescriptors} again. */
    int version()
    {
        return version;
    }

    /** What a loop may sleep on for the port at {@code slot}: empty for none. On a loop's thread, as {@link #port}. */
    int[] wakeDescriptors(final int slot)
    {
        final int[] fds = wakeDescriptors[slot];
        return fds == null ? PortDescriptors.NONE : fds;
    }

    private void detach(final int slot)
    {
        final HostConfig.Port port = configs[slot];
        final EthPort ethPort = ports[slot];
        ports[slot] = null;
        configs[slot] = null;
        wakeDescriptors[slot] = null;
        rxInterrupts[slot] = null;
        version++;
        relays.setRelease(slot, null);
        freedAtMs[slot] = clock.time();
        while (limit > 0 && ports[limit - 1] == null)
        {
            limit--;
        }
        announce(new PortEvent(port.name(), PortBindings.NONE));
        counters.detachPort(slot);
        try
        {
            ethPort.close();
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("port {}: {}", port.name(), ex.getMessage());
        }
        if (EalArgs.isVdev(port))
        {
            unplug(EalArgs.deviceName(port));
        }
        LOG.info("port {} ({}) detached", port.name(), port.device());
    }

    /** Before the EAL creates a net_vhost port: the socket a killed dataplane left would make its creation fail. */
    private static void removeStaleSocket(final String device)
    {
        final Path removed = VhostSocket.removeStale(device);
        if (removed != null)
        {
            LOG.info("removed the stale vhost-user socket {} (no listener)", removed);
        }
    }

    private static void unplug(final String device)
    {
        try
        {
            VdevHotplug.remove(device);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("{}", ex.getMessage());
        }
    }

    /** The lowest free slot out of quarantine, else the one freed longest ago, else {@link PortBindings#NONE}. */
    private int freeSlot()
    {
        final long now = clock.time();
        int oldest = PortBindings.NONE;
        for (int slot = 0; slot < MAX_PORTS; slot++)
        {
            if (ports[slot] == null)
            {
                if (now - freedAtMs[slot] >= SLOT_QUARANTINE_MS)
                {
                    return slot;
                }
                if (oldest == PortBindings.NONE || freedAtMs[slot] < freedAtMs[oldest])
                {
                    oldest = slot;
                }
            }
        }
        return oldest;
    }

    private int slotOf(final String name)
    {
        for (int slot = 0; slot < limit; slot++)
        {
            if (configs[slot] != null && configs[slot].name().equals(name))
            {
                return slot;
            }
        }
        return PortBindings.NONE;
    }

    private void updateForward()
    {
        for (int slot = 0; slot < MAX_PORTS; slot++)
        {
            final String to = configs[slot] == null ? null : configs[slot].forwardTo();
            forward.setRelease(slot, to == null ? -1 : slotOf(to));
        }
    }

    /** One past the highest slot in use. */
    int limit()
    {
        return limit;
    }

    /** @return the port in {@code slot}, or null. */
    EthPort port(final int slot)
    {
        return ports[slot];
    }

    /**
     * @return whether the port in {@code slot} may deliver a local kernel's frames with the partial UDP checksum of
     * tx offload and no flag saying so: net_af_packet and net_pcap (measured: DPDK 22.11 reports nothing), and
     * net_tap, whose kernel side is the same stack. A NIC, net_ring and vhost (which completes or flags partial
     * checksums itself) do not.
     */
    boolean deliversPartialChecksums(final int slot)
    {
        return partialChecksums[slot];
    }

    /** @return whether the port in {@code slot} faces the network: all its frames take its other action. */
    boolean uplink(final int slot)
    {
        return configs[slot] != null && configs[slot].uplink();
    }

    private static RelayLinks relayLinks(final HostConfig.Port port)
    {
        return port.relayFacing() ? new RelayLinks(port.relay()) : null;
    }

    /** Per slot, the links of a relay-facing port, or null for a VM or uplink port; shared with the worker. */
    AtomicReferenceArray<RelayLinks> relays()
    {
        return relays;
    }

    /** Per slot, where its other frames go (a slot), or -1 to drop them; shared with the worker. */
    AtomicIntegerArray forward()
    {
        return forward;
    }

    /** Closes every port (at shutdown; vdevs go with the EAL). */
    void close()
    {
        for (int slot = 0; slot < limit; slot++)
        {
            if (ports[slot] != null)
            {
                ports[slot].close();
            }
        }
    }
}
