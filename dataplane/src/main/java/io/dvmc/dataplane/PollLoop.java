package io.dvmc.dataplane;

import io.dvmc.frame.Arp;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.frame.FragmentReassembler;
import io.dvmc.port.MbufBurst;
import io.dvmc.port.Mbufs;
import io.dvmc.port.PortStats;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The poll-mode loop (DESIGN §3): one rx burst per port, classification of every frame of a VM-facing port,
 * client DHCP frames (and ARP, which the worker answers for the domains' virtual servers) to the worker queue,
 * server DHCP from a VM dropped as a rogue server, everything else (and every frame of an uplink port) forwarded
 * to the port's peer or dropped as the port is configured (a relay-facing port is classified as a VM port; its
 * worker tells relayed requests apart), then the frames the worker hands back are sent in one
 * tx burst per port. Client DHCP with a bad UDP checksum is dropped; IP fragments of client DHCP are reassembled
 * ({@link FragmentReassembler}) and the whole datagram classified again.
 * Between duty cycles it applies the port changes host.json asked for ({@link PortTable}); a frame for a port
 * that is gone is dropped and counted as a tx failure.
 *
 * <p>With several lanes ({@code dataplane.lanes}) each lane's thread runs a loop of its own over its own queue pair of
 * every port ({@link PortTable}), and calls its own worker; lane 0's also applies the port changes and publishes the
 * ports' statistics.
 *
 * <p>Per frame it touches only the headers, through one {@link UnsafeBuffer} re-wrapped on the mbuf's data;
 * no allocation, no native call per frame. Frames it does not keep are freed in one bulk call per burst.
 */
public final class PollLoop implements Agent
{
    static final int BURST = 32;
    private static final long STATS_INTERVAL_NS = 1_000_000_000L;
    /** Not a frame class: the mbuf was freed while being classified. */
    private static final int CONSUMED = Integer.MIN_VALUE;
    /**
     * Largest IPv4 payload reassembled: what an mbuf's 2 KiB data room holds after the largest Ethernet, tag and
     * IPv4 headers (22 + 60 bytes), to the 8-byte unit. Well above the 576-byte datagram RFC 1122 §3.3.2 requires.
     */
    static final int REASSEMBLED_MAX_PAYLOAD = 1960;
    /**
     * How long a datagram may take to arrive whole. RFC 1122 suggests 60-120 s for a general host; a DHCP client
     * sends a new datagram (a new IP id) after 4 s (RFC 2131 §4.1), so one still incomplete after a few seconds
     * is superseded and would only hold one of the port's few slots.
     */
    static final long REASSEMBLY_TIMEOUT_NS = 5_000_000_000L;
    private static final long REASSEMBLY_SWEEP_NS = 100_000_000L;

    private final PortTable ports;
    /** This loop's lane: the rx and tx queue it uses on every port. */
    private final int lane;
    /** The worker the loop calls itself ({@code workers: 0}), or null: frames go through {@link #toWorker}. */
    private final DhcpWorker inline;
    private final FrameQueue toWorker;
    private final FrameQueue txQueue;
    private final DataplaneCounters counters;
    private final MbufBurst rx = new MbufBurst(BURST);
    private final MbufBurst drop = new MbufBurst(BURST);
    private final MbufBurst[] tx;
    private final int[] txCount;
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final FrameView view;
    private final FrameClassifier classifier = new FrameClassifier();
    private final PortStats stats = new PortStats();
    private final FragmentReassembler reassembler = new FragmentReassembler(PortTable.MAX_PORTS,
        REASSEMBLED_MAX_PAYLOAD, REASSEMBLY_TIMEOUT_NS);
    private final FrameQueue.Consumer txConsumer = this::queueTx;
    /** The loop's idle strategy when it sleeps ({@code idle: wait}), else null. */
    private LaneIdle sleeper;
    private long nextStatsNs;
    private long nextExpiryNs;
    private int dropCount;
    private int dhcpInBurst;
    private int arpInBurst;

    /** A poll loop with a worker on a thread of its own, one queue each way. */
    PollLoop(
        final PortTable ports,
        final FrameQueue toWorker,
        final FrameQueue txQueue,
        final DataplaneCounters counters)
    {
        this(ports, 0, null, toWorker, txQueue, new FrameView(), counters);
    }

    /**
     * A poll loop that calls {@code worker} itself ({@code workers: 0}): no queue either way, each frame classified
     * once (into the worker's view), the worker's replies sent in this loop's own tx bursts.
     */
    PollLoop(final PortTable ports, final DhcpWorker worker, final DataplaneCounters counters)
    {
        this(ports, 0, worker, counters);
    }

    /** As {@link #PollLoop(PortTable, DhcpWorker, DataplaneCounters)}, on lane {@code lane}'s queues. */
    PollLoop(final PortTable ports, final int lane, final DhcpWorker worker, final DataplaneCounters counters)
    {
        this(ports, lane, worker, null, null, worker.frameView(), counters);
        worker.servedInline(this::takeTx);
    }

    private PollLoop(
        final PortTable ports,
        final int lane,
        final DhcpWorker inline,
        final FrameQueue toWorker,
        final FrameQueue txQueue,
        final FrameView view,
        final DataplaneCounters counters)
    {
        if (lane < 0 || lane >= ports.lanes())
        {
            throw new IllegalArgumentException("lane " + lane + " of " + ports.lanes());
        }
        this.ports = ports;
        this.lane = lane;
        this.inline = inline;
        this.toWorker = toWorker;
        this.txQueue = txQueue;
        this.view = view;
        this.counters = counters;
        this.tx = new MbufBurst[PortTable.MAX_PORTS];
        this.txCount = new int[PortTable.MAX_PORTS];
        for (int i = 0; i < tx.length; i++)
        {
            tx[i] = new MbufBurst(BURST);
        }
    }

    public String roleName()
    {
        return lane == 0 ? "dvmc-poll" : "dvmc-lane-" + lane;
    }

    int lane()
    {
        return lane;
    }

    /** The loop sleeps with {@code idle} ({@code idle: wait}), which follows the ports it polls. Before it runs. */
    void sleepsWith(final LaneIdle idle)
    {
        this.sleeper = idle;
    }

    public int doWork()
    {
        final long now = System.nanoTime();
        int work = 0;
        if (lane == 0)
        {
            work = ports.applyPending();
        }
        else if (!ports.mayPoll(lane))
        {
            return 0;
        }
        final int limit = ports.limit();
        for (int p = 0; p < limit; p++)
        {
            if (ports.port(p) != null)
            {
                work += receive(p, now);
            }
        }
        if (txQueue != null)
        {
            work += txQueue.drain(txConsumer, BURST * Math.max(1, limit));
        }
        for (int p = 0; p < limit; p++)
        {
            flushTx(p);
        }
        flushDrops();
        if (now - nextExpiryNs >= 0)
        {
            nextExpiryNs = now + REASSEMBLY_SWEEP_NS;
            reassembler.expire(now);
            countAbandonedReassemblies();
        }
        if (lane == 0 && now - nextStatsNs >= 0)
        {
            nextStatsNs = now + STATS_INTERVAL_NS;
            publishPortStats();
        }
        if (sleeper != null)
        {
            sleeper.follow(ports);
        }
        return work;
    }

    private int receive(final int p, final long now)
    {
        final int n = ports.port(p).rxBurst(lane, rx);
        if (n == 0)
        {
            return 0;
        }
        counters.rxFrames.getAndAdd(n);
        counters.portRx[p].getAndAdd(n);
        if (counters.laneRx.length > 0)
        {
            counters.laneRx[lane].getAndAdd(n);
        }
        if (inline != null)
        {
            inline.startBurst();
        }
        for (int i = 0; i < n; i++)
        {
            final long mbuf = rx.mbuf(i);
            if (Mbufs.segments(mbuf) != 1)
            {
                // Dropped, not linearised: dvmc reads and rewrites frames in their first segment only, and a chain
                // (a frame beyond the 2 KiB data room, which a PMD such as vhost or pcap chains) is never a DHCP
                // message dvmc answers. Copying it into one mbuf would cost a copy per jumbo frame on the hot path.
                counters.multiSegmentDropped.increment();
                drop(mbuf);
                continue;
            }
            if (ports.uplink(p))
            {
                // DHCP from the network is not ours to answer nor a rogue VM's: other traffic like the rest.
                other(mbuf, p);
                continue;
            }
            final int length = Mbufs.dataLength(mbuf);
            frame.wrap(Mbufs.dataAddress(mbuf), length);
            int frameClass = classifier.classify(frame, 0, length, view, udpChecksumPolicy(mbuf, p));
            if (frameClass == FrameClass.IP_FRAGMENT ||
                frameClass == FrameClass.OTHER && view.fragmentOffset() != 0 &&
                    view.ipProtocol() == FrameClassifier.IP_PROTOCOL_UDP)
            {
                frameClass = reassemble(mbuf, p, now);
            }
            dispatch(mbuf, p, frameClass);
        }
        if (inline != null)
        {
            inline.endBurst();
        }
        countBurst(p);
        flushDrops();
        return n;
    }

    private void countBurst(final int p)
    {
        if (dhcpInBurst > 0)
        {
            counters.clientDhcp.getAndAdd(dhcpInBurst);
            counters.portDhcp[p].getAndAdd(dhcpInBurst);
            dhcpInBurst = 0;
        }
        if (arpInBurst > 0)
        {
            counters.arpRequests.getAndAdd(arpInBurst);
            arpInBurst = 0;
        }
    }

    /**
     * Gives a fragment to the reassembler. The data of a fragment held is copied, so its mbuf is freed at once;
     * the fragment that completes a datagram gets the whole datagram written over it.
     *
     * @return the class of what the mbuf now holds: the datagram, or the fragment as other traffic if it is not
     * ours; {@link #CONSUMED} when the mbuf was freed.
     */
    private int reassemble(final long mbuf, final int p, final long now)
    {
        final int result = reassembler.offer(p, frame, view, now);
        countAbandonedReassemblies();
        switch (result)
        {
            case FragmentReassembler.NOT_OURS :
                return FrameClass.OTHER;
            case FragmentReassembler.COMPLETE :
                counters.fragmentsHeld.increment();
                break;
            case FragmentReassembler.HELD :
                counters.fragmentsHeld.increment();
                drop(mbuf);
                return CONSUMED;
            case FragmentReassembler.OVERLAP :
                counters.fragmentOverlapDropped.increment();
                drop(mbuf);
                return CONSUMED;
            case FragmentReassembler.OVERSIZED :
                counters.fragmentOversizedDropped.increment();
                drop(mbuf);
                return CONSUMED;
            default :
                counters.malformedDropped.increment();
                drop(mbuf);
                return CONSUMED;
        }
        final int capacity = Mbufs.capacity(mbuf);
        frame.wrap(Mbufs.dataAddress(mbuf), capacity);
        final int length = reassembler.writeDatagram(frame, capacity);
        if (length < 0)
        {
            counters.fragmentOversizedDropped.increment();
            drop(mbuf);
            return CONSUMED;
        }
        Mbufs.setLength(mbuf, length);
        counters.datagramsReassembled.increment();
        frame.wrap(Mbufs.dataAddress(mbuf), length);
        // The port's checksum flags spoke of the last fragment only: the datagram's is computed.
        return classifier.classify(frame, 0, length, view, FrameClassifier.UDP_CHECKSUM_VERIFY);
    }

    private void countAbandonedReassemblies()
    {
        final int abandoned = reassembler.takeAbandoned();
        if (abandoned > 0)
        {
            counters.reassemblyAbandoned.getAndAdd(abandoned);
        }
    }

    private void dispatch(final long mbuf, final int p, final int frameClass)
    {
        if (frameClass == CONSUMED)
        {
            return;
        }
        final boolean arp = frameClass == FrameClass.OTHER && view.etherType() == Arp.ETHER_TYPE_ARP;
        if (frameClass == FrameClass.CLIENT_DHCP || arp)
        {
            if (arp)
            {
                arpInBurst++;
            }
            else
            {
                dhcpInBurst++;
            }
            if (inline != null)
            {
                inline.onClassified(mbuf, p, frameClass);
            }
            else if (!toWorker.offer(mbuf, p))
            {
                counters.workerQueueFull.increment();
                drop(mbuf);
            }
            return;
        }
        switch (frameClass)
        {
            case FrameClass.OTHER :
                other(mbuf, p);
                return;
            case FrameClass.SERVER_DHCP :
                counters.rogueServerDropped.increment();
                break;
            case FrameClass.BAD_UDP_CHECKSUM :
                counters.badUdpChecksumDropped.increment();
                break;
            default :
                counters.malformedDropped.increment();
                break;
        }
        drop(mbuf);
    }

    /** How to take a frame's UDP checksum, from what its port said of it in ol_flags (FrameClassifier). */
    private int udpChecksumPolicy(final long mbuf, final int p)
    {
        return switch (Mbufs.rxL4Checksum(mbuf))
        {
            case Mbufs.RX_L4_CKSUM_GOOD, Mbufs.RX_L4_CKSUM_NONE -> FrameClassifier.UDP_CHECKSUM_VERIFIED;
            case Mbufs.RX_L4_CKSUM_BAD -> FrameClassifier.UDP_CHECKSUM_BAD;
            default -> ports.deliversPartialChecksums(p)
                ? FrameClassifier.UDP_CHECKSUM_VERIFY_OR_PARTIAL
                : FrameClassifier.UDP_CHECKSUM_VERIFY;
        };
    }

    /** The port's action for frames that are not DHCP for dvmc: forwarded to its peer port, or dropped. */
    private void other(final long mbuf, final int p)
    {
        final int to = ports.forward().getAcquire(p);
        if (to >= 0)
        {
            counters.otherForwarded.increment();
            queueTx(mbuf, to);
            return;
        }
        counters.otherDropped.increment();
        drop(mbuf);
    }

    private void drop(final long mbuf)
    {
        if (dropCount == BURST)
        {
            flushDrops();
        }
        drop.set(dropCount++, mbuf);
    }

    private void flushDrops()
    {
        if (dropCount > 0)
        {
            drop.freeAll(0, dropCount);
            dropCount = 0;
        }
    }

    /** The inline worker's frames: into this loop's tx bursts (a frame for a port that is gone is counted there). */
    private boolean takeTx(final long mbuf, final int port)
    {
        queueTx(mbuf, port);
        return true;
    }

    private void queueTx(final long mbuf, final int port)
    {
        if (port < 0 || port >= PortTable.MAX_PORTS || ports.port(port) == null)
        {
            counters.txFailed.increment();
            drop(mbuf);
            return;
        }
        if (txCount[port] == BURST)
        {
            flushTx(port);
        }
        tx[port].set(txCount[port]++, mbuf);
    }

    private void flushTx(final int p)
    {
        final int count = txCount[p];
        if (count == 0)
        {
            return;
        }
        txCount[p] = 0;
        final int sent = ports.port(p).txBurst(lane, tx[p], 0, count);
        counters.txFrames.getAndAdd(sent);
        counters.portTx[p].getAndAdd(sent);
        if (sent < count)
        {
            counters.txFailed.getAndAdd(count - sent);
            tx[p].freeAll(sent, count - sent);
        }
    }

    private void publishPortStats()
    {
        for (int p = 0; p < ports.limit(); p++)
        {
            if (ports.port(p) != null && ports.port(p).stats(stats))
            {
                counters.portDpdkRx[p].setRelease(stats.ipackets());
                counters.portDpdkTx[p].setRelease(stats.opackets());
                counters.portDpdkMissed[p].setRelease(stats.imissed());
            }
        }
    }
}
