package io.dvmc.dataplane;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.List;

/**
 * The dataplane's counters, in the counters file that {@code dvmcctl stat} reads live. Per-port counters are
 * indexed by port slot ({@link PortTable}) and come and go with their port.
 *
 * <p>Every counter the frames' threads update takes atomic adds ({@code increment}, {@code getAndAdd}): the poll
 * thread and the worker share some, and with several lanes ({@code dataplane.lanes}) every lane writes each of them.
 * Two threads doing a load and a release store each lose updates (SharedCountersTest lost 1 to 6 in a thousand).
 * The hot ones are added once per burst, so the locked instruction is not paid per frame. Those marked
 * <em>shared</em> below are also written by both the poll thread and a worker on its own thread.
 */
public final class DataplaneCounters
{
    public final AtomicCounter rxFrames;
    public final AtomicCounter txFrames;
    /** Shared: poll thread and worker. */
    public final AtomicCounter txFailed;
    public final AtomicCounter clientDhcp;
    public final AtomicCounter rogueServerDropped;
    /** Shared: poll thread and worker. */
    public final AtomicCounter otherDropped;
    /** Shared: poll thread and worker. */
    public final AtomicCounter otherForwarded;
    /** Shared: poll thread and worker. */
    public final AtomicCounter malformedDropped;
    public final AtomicCounter badDhcpDropped;
    public final AtomicCounter unboundDropped;
    public final AtomicCounter chaddrMismatchDropped;
    public final AtomicCounter workerQueueFull;
    public final AtomicCounter fastPathOffers;
    public final AtomicCounter fastPathAcks;
    /** Of {@link #fastPathAcks}: a relay domain's VM, answered with its tenant server's options. */
    public final AtomicCounter fastPathTenantAcks;
    /** Of the fast path's replies: to a request that repeated the VM's last one, its options not walked again. */
    public final AtomicCounter fastPathRepeats;
    public final AtomicCounter slowPath;
    public final AtomicCounter agentRingFull;
    public final AtomicCounter agentWakes;
    public final AtomicCounter loopSleeps;
    /** A gauge: the loops that back off although the dataplane's idle strategy is {@code wait}. */
    public final AtomicCounter loopsBackingOff;
    public final AtomicCounter releaseHoldsFull;
    public final AtomicCounter agentFrames;
    public final AtomicCounter mbufAllocFailed;
    public final AtomicCounter txQueueFull;
    public final AtomicCounter deadProducerSkipped;
    public final AtomicCounter arpRequests;
    public final AtomicCounter arpReplies;
    public final AtomicCounter arpIgnored;
    public final AtomicCounter bindingChanges;
    public final AtomicCounter bindingsInForce;
    public final AtomicCounter hostConfigRefused;
    /** A gauge: ports of host.json the dataplane could not attach (yet); they are tried again. */
    public final AtomicCounter portsNotAttached;
    public final AtomicCounter badAgentMessages;
    public final AtomicCounter multiSegmentDropped;
    public final AtomicCounter dhcpNotForUs;
    public final AtomicCounter badUdpChecksumDropped;
    public final AtomicCounter fragmentsHeld;
    public final AtomicCounter datagramsReassembled;
    public final AtomicCounter fragmentOverlapDropped;
    public final AtomicCounter fragmentOversizedDropped;
    public final AtomicCounter reassemblyAbandoned;
    public final AtomicCounter shortBootpDropped;
    public final AtomicCounter relayedRequests;
    public final AtomicCounter relayNotRelayedDropped;
    public final AtomicCounter relayAgentRefused;
    public final AtomicCounter relayNoLinkDropped;
    public final AtomicCounter relayedOnVmPortDropped;
    public final AtomicCounter leaseCacheFlushes;

    public final AtomicCounter storeHandovers;
    /** Shared: faults caught by the poll and worker threads' runners (each logged), counted by atomic adds. */
    public final AtomicCounter errors;

    public final AtomicCounter[] portRx;
    public final AtomicCounter[] portTx;
    public final AtomicCounter[] portDhcp;
    public final AtomicCounter[] portDpdkRx;
    public final AtomicCounter[] portDpdkTx;
    public final AtomicCounter[] portDpdkMissed;
    /** Per lane, the frames it received, with several lanes; else empty. */
    public final AtomicCounter[] laneRx;
    private final CountersFile file;

    public DataplaneCounters(final CountersFile file, final List<String> portNames)
    {
        this(file, portNames, 1);
    }

    /** The counters of a dataplane with {@code lanes} lanes: with more than one, each has its own rx count too. */
    public DataplaneCounters(final CountersFile file, final List<String> portNames, final int lanes)
    {
        rxFrames = file.newCounter("rx_frames", "rx frames", CounterTypes.DATAPLANE);
        txFrames = file.newCounter("tx_frames", "tx frames", CounterTypes.DATAPLANE);
        txFailed = file.newCounter("tx_failed", "tx failed", CounterTypes.DROP);
        clientDhcp = file.newCounter("client_dhcp_frames", "client DHCP frames", CounterTypes.DATAPLANE);
        rogueServerDropped = file.newCounter("rogue_server_dhcp_dropped", "rogue server DHCP dropped",
            CounterTypes.DROP);
        otherDropped = file.newCounter("other_frames_dropped", "other frames dropped", CounterTypes.DROP);
        otherForwarded = file.newCounter("other_frames_forwarded", "other frames forwarded", CounterTypes.DATAPLANE);
        malformedDropped = file.newCounter("malformed_frames_dropped", "malformed frames dropped", CounterTypes.DROP);
        badDhcpDropped = file.newCounter("bad_dhcp_dropped", "bad DHCP dropped", CounterTypes.DROP);
        unboundDropped = file.newCounter("unbound_mac_dropped", "unbound MAC dropped", CounterTypes.DROP);
        chaddrMismatchDropped = file.newCounter("chaddr_mismatch_dropped", "chaddr != source MAC dropped",
            CounterTypes.DROP);
        workerQueueFull = file.newCounter("worker_queue_full_dropped", "worker queue full dropped", CounterTypes.DROP);
        fastPathOffers = file.newCounter("fast_path_offers", "fast path OFFER", CounterTypes.DATAPLANE);
        fastPathAcks = file.newCounter("fast_path_acks", "fast path ACK", CounterTypes.DATAPLANE);
        fastPathTenantAcks = file.newCounter("fast_path_tenant_acks", "fast path ACK of a relay domain",
            CounterTypes.DATAPLANE);
        slowPath = file.newCounter("slow_path_to_agent", "slow path to agent", CounterTypes.DATAPLANE);
        agentRingFull = file.newCounter("agent_ring_full_dropped", "agent ring full dropped", CounterTypes.DROP);
        releaseHoldsFull = file.newCounter("release_holds_full_dropped", "RELEASE/DECLINE dropped: holds full",
            CounterTypes.DROP);
        agentFrames = file.newCounter("frames_from_agent", "frames from agent", CounterTypes.DATAPLANE);
        mbufAllocFailed = file.newCounter("mbuf_alloc_failed", "mbuf alloc failed", CounterTypes.DROP);
        txQueueFull = file.newCounter("tx_queue_full_dropped", "tx queue full dropped", CounterTypes.DROP);
        deadProducerSkipped = file.newCounter("dead_agent_records_skipped", "ring records of a dead agent skipped",
            CounterTypes.DROP);
        arpRequests = file.newCounter("arp_frames", "ARP frames", CounterTypes.DATAPLANE);
        arpReplies = file.newCounter("arp_replies", "ARP replies for virtual servers", CounterTypes.DATAPLANE);
        arpIgnored = file.newCounter("arp_not_answered_dropped", "ARP not answered dropped", CounterTypes.DROP);
        bindingChanges = file.newCounter("binding_changes_applied", "binding changes applied", CounterTypes.DATAPLANE);
        bindingsInForce = file.newCounter("bindings_in_force", "bindings in force", CounterTypes.DATAPLANE);
        portsNotAttached = file.newCounter("ports_not_attached", "ports not attached", CounterTypes.DATAPLANE);
        hostConfigRefused = file.newCounter("host_config_refused", "host config edits refused", CounterTypes.DROP);
        badAgentMessages = file.newCounter("bad_agent_messages_dropped", "bad agent messages dropped",
            CounterTypes.DROP);
        multiSegmentDropped = file.newCounter("multi_segment_dropped", "multi-segment frames dropped",
            CounterTypes.DROP);
        dhcpNotForUs = file.newCounter("dhcp_to_other_servers", "DHCP to other servers", CounterTypes.DATAPLANE);
        badUdpChecksumDropped = file.newCounter("bad_udp_checksum_dropped", "bad UDP checksum dropped",
            CounterTypes.DROP);
        fragmentsHeld = file.newCounter("ip_fragments_held", "IP fragments taken for reassembly",
            CounterTypes.DATAPLANE);
        datagramsReassembled = file.newCounter("ip_datagrams_reassembled", "IP datagrams reassembled",
            CounterTypes.DATAPLANE);
        fragmentOverlapDropped = file.newCounter("ip_fragments_overlap_dropped", "IP fragments overlapping dropped",
            CounterTypes.DROP);
        fragmentOversizedDropped = file.newCounter("ip_fragments_oversized_dropped", "IP fragments oversized dropped",
            CounterTypes.DROP);
        reassemblyAbandoned = file.newCounter("ip_reassemblies_abandoned", "IP reassemblies timed out or evicted",
            CounterTypes.DROP);
        shortBootpDropped = file.newCounter("short_bootp_dropped", "BOOTP shorter than 300 bytes dropped",
            CounterTypes.DROP);
        relayedRequests = file.newCounter("relayed_requests", "relayed requests", CounterTypes.DATAPLANE);
        relayNotRelayedDropped = file.newCounter("relay_not_relayed_dropped", "relay port: not relayed dropped",
            CounterTypes.DROP);
        relayAgentRefused = file.newCounter("relay_option82_refused_dropped", "relay port: option 82 refused dropped",
            CounterTypes.DROP);
        relayNoLinkDropped = file.newCounter("relay_giaddr_no_link_dropped", "relay port: giaddr on no link dropped",
            CounterTypes.DROP);
        relayedOnVmPortDropped = file.newCounter("relayed_on_vm_port_dropped", "relayed DHCP on VM port dropped",
            CounterTypes.DROP);
        storeHandovers = file.newCounter("store_handovers", "store hand-overs", CounterTypes.DATAPLANE);
        leaseCacheFlushes = file.newCounter("lease_cache_flushes", "lease cache flushes", CounterTypes.DATAPLANE);
        agentWakes = file.newCounter("agent_wakes", "agent wakes", CounterTypes.DATAPLANE);
        loopSleeps = file.newCounter("loop_sleeps", "loop sleeps", CounterTypes.DATAPLANE);
        loopsBackingOff = file.newCounter("loops_backing_off", "loops backing off", CounterTypes.DATAPLANE);
        errors = file.newCounter("errors", "dataplane errors", CounterTypes.DROP);
        fastPathRepeats = file.newCounter("fast_path_repeated_requests", "fast path reply to a repeated request",
            CounterTypes.DATAPLANE);

        this.file = file;
        portRx = new AtomicCounter[PortTable.MAX_PORTS];
        portTx = new AtomicCounter[PortTable.MAX_PORTS];
        portDhcp = new AtomicCounter[PortTable.MAX_PORTS];
        portDpdkRx = new AtomicCounter[PortTable.MAX_PORTS];
        portDpdkTx = new AtomicCounter[PortTable.MAX_PORTS];
        portDpdkMissed = new AtomicCounter[PortTable.MAX_PORTS];
        for (int i = 0; i < portNames.size(); i++)
        {
            attachPort(i, portNames.get(i));
        }
        laneRx = new AtomicCounter[lanes > 1 ? lanes : 0];
        for (int lane = 0; lane < laneRx.length; lane++)
        {
            laneRx[lane] = file.newCounter("lane_rx_frames", Integer.toString(lane), "lane " + lane + " rx frames",
                CounterTypes.LANE);
        }
    }

    /** The counters of a port attached at {@code slot}; on the poll thread, which alone allocates at run time. */
    public void attachPort(final int slot, final String name)
    {
        final String label = "port " + name + " ";
        portRx[slot] = file.newCounter("port_rx", name, label + "rx", CounterTypes.PORT);
        portTx[slot] = file.newCounter("port_tx", name, label + "tx", CounterTypes.PORT);
        portDhcp[slot] = file.newCounter("port_rx_dhcp", name, label + "rx DHCP", CounterTypes.PORT);
        portDpdkRx[slot] = file.newCounter("port_dpdk_ipackets", name, label + "dpdk ipackets", CounterTypes.PORT);
        portDpdkTx[slot] = file.newCounter("port_dpdk_opackets", name, label + "dpdk opackets", CounterTypes.PORT);
        portDpdkMissed[slot] = file.newCounter("port_dpdk_imissed", name, label + "dpdk imissed", CounterTypes.PORT);
    }

    /** A port detached: its counters are freed, and leave {@code dvmc ctl stat}. */
    public void detachPort(final int slot)
    {
        for (final AtomicCounter[] perPort : new AtomicCounter[][]{portRx, portTx, portDhcp, portDpdkRx, portDpdkTx,
            portDpdkMissed})
        {
            perPort[slot].close();
            perPort[slot] = null;
        }
    }
}
