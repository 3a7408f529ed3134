package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.config.IdleStrategies;
import io.dvmc.config.IoFaults;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DatagramBatch;
import io.dvmc.exchange.DvmcError;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.exchange.KeyRing;
import io.dvmc.exchange.ReceiveBuffer;
import io.dvmc.metrics.LatencyHistogram;
import io.dvmc.policy.Domain;
import io.dvmc.policy.PolicyStore;
import io.dvmc.relay.RelayAnswers;
import io.dvmc.relay.RelayEngine;
import io.dvmc.relay.RelayEvent;
import io.dvmc.service.ServiceCounters.Counter;
import io.dvmc.time.MonotonicClock;
import io.dvmc.wake.Doorbell;
import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dvmc service process (DESIGN §2, §4; patent FIG. 1 item 145): a UDP server on a non-blocking
 * {@link DatagramChannel}, run as an Agrona {@link Agent}. Each duty cycle it
 *
 * <ol>
 *   <li>receives a batch of datagrams; each is decoded and authenticated (failures are dropped and counted by
 *   reason, never answered), then DISCOVER → OFFER, REQUEST → ACK/NAK, RELEASE, DECLINE, INFORM and LEASEQUERY →
 *   ACK/NAK through the {@link AddressManager}, BOOTP → ACK/NAK through {@link BootpAllocation}; replies are built
 *   in a batch buffer;</li>
 *   <li>sends the OFFERs and INFORM answers, which promise nothing durable, at once; the other replies, each to the
 *   VM location of its request (field 220), only once the leases they depend on are durable. With the service's own
 *   journal a {@link JournalSyncer} syncs it on its own thread while this one goes on deciding, and the replies
 *   wait in {@link DurableReplies} for the sync that covers them (group commit across every batch decided during a
 *   sync); with shared leases the batch is made durable by one etcd transaction before its replies leave;</li>
 *   <li>once a second, expires offers and leases and compacts the journal when due.</li>
 * </ol>
 *
 * With leases shared in etcd ({@link EtcdLeaseLog}) the sync is one etcd transaction for the batch; a binding that
 * another replica made impossible meanwhile is answered with a NAK only if the address is bound to another MAC,
 * and not at all if its fate is unknown (the client retransmits). Until the shared leases are loaded, and while
 * etcd cannot be read, nothing is received: the clients' retransmissions wait in the socket or reach another
 * replica.
 *
 * <p>Duplicates are answered idempotently: a retransmitted DISCOVER gets the same offer, a retransmitted REQUEST the
 * same ACK without a new journal write, a retransmitted RELEASE an ACK.
 *
 * <p>A VM's request in a relay domain goes to the {@link RelayEngine}, which relays it to the domain's tenant
 * servers and answers it when they do, outside the batch: the service keeps no lease of a relay domain, so there is
 * nothing to make durable. The host's own queries of a relay domain (LEASEQUERY, an INFORM for the domain's
 * options) have no VM to relay for and are answered with a NAK ({@link DvmcStatus#REASON_NOT_SUPPORTED}), as is
 * every request of a relay domain whose relay address this service cannot bind.
 */
public final class DvmcService implements Agent, AutoCloseable
{
    public static final int RECEIVE_BATCH = 32;
    /**
     * Requests decided per duty cycle with leases in etcd: a batch costs one etcd round trip (raft and fsync on a
     * quorum, milliseconds), so the batch is what the rate scales with.
     */
    public static final int SHARED_RECEIVE_BATCH = 512;
    /** Requests the socket holds while a batch is made durable: a few batches' worth at the etcd batch size. */
    static final int RECEIVE_QUEUE = 4 * SHARED_RECEIVE_BATCH;
    /**
     * Replies that may wait for the journal's background sync: the requests of a few slow fsyncs (tens of ms on a
     * busy disk) at tens of thousands a second. Receiving pauses while it is full.
     */
    static final int DURABLE_QUEUE = 4096;
    private static final long MAINTENANCE_INTERVAL_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(DvmcService.class);
    /** A journal fault hit by every request is logged at most this often. */
    private static final long LOG_INTERVAL_MS = 10_000;
    private static final int CLOSE_WAKE_MS = 50;
    /** How long each fdatasync of the lease journal takes: every ACK waits for one. */
    public static final String JOURNAL_SYNC_METRIC = "dvmc_service_journal_sync_duration_seconds";

    /** The wall clock: message timestamps and the authentication window. */
    private final Clock clock;
    /** Lease expiry and the service's own schedules: monotonic, so that no step of the wall clock moves them. */
    private final MonotonicClock leaseClock;
    private final PolicyStore policy;
    private final IdleStrategy idleStrategy;
    private final Authenticator authenticator;
    /** A key ring an operator loaded (SIGHUP), taken by the service thread at its next duty cycle. */
    private final AtomicReference<KeyRing> newKeys = new AtomicReference<>();
    private final AddressManager manager;
    private final BootpAllocation bootp;
    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final ServiceCounters counters;
    private final HostRevoker revoker;
    private volatile boolean publishPoolFigures;
    private volatile List<PoolFigures> poolFigures = List.of();
    private static final long NO_TARGET = 0;
    /** Socket addresses of the agents a relayed request's answer goes to. */
    private final ReplyTargets targets = new ReplyTargets(4096);

    /** recvmmsg/sendmmsg: a batch of requests in one system call, and every reply of a duty cycle in another. */
    private final DatagramBatch batch;
    private final int receiveBatch;
    private final UnsafeBuffer txView;
    /** Where each pending reply goes ({@link #target}); {@link #NO_TARGET} once sent or dropped. */
    private final long[] pendingTargets;
    private final int[] pendingLengths;
    private final int[] pendingEntries;
    /** The type of the request each pending reply answers, for its lease event. */
    private final int[] pendingTypes;
    /** The address each pending reply's request gave back or asked for, for its lease event. */
    private final int[] pendingAddresses;
    private final LeaseEvents events = LeaseEvents.configured();
    /** Replies that promise nothing durable (an OFFER, an INFORM's options): they need not wait for the sync. */
    private final boolean[] pendingEarly;
    private final DvmcMessage sentReply = new DvmcMessage();
    private final UnsafeBuffer nakScratch = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
    private final UnsafeBuffer relayTxView = new UnsafeBuffer(ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH));
    /** Rung by the service's other threads when it sleeps in {@link WaitingIdleStrategy}. */
    private final Doorbell doorbell = new Doorbell();
    private final RelayEngine relay = new RelayEngine(new RelayAnswers()
    {
        public void answer(final DvmcMessage request, final SocketAddress target, final int type, final int reason,
            final int yiaddr, final int serverId, final int vmLeaseSeconds, final int hostLeaseSeconds,
            final DirectBuffer config, final int offset, final int length)
        {
            sendRelayAnswer(request, target, type, reason, yiaddr, serverId, vmLeaseSeconds, hostLeaseSeconds, config,
                offset, length);
        }

        public void count(final RelayEvent event)
        {
            counters.relay(event);
        }
    });
    private final RelayEngine.DomainLookup domains;
    private int pending;
    /** With leases of its own, the journal syncs on its own thread and ACKs wait here, not the service thread. */
    private final DurableReplies durableReplies;
    private final LatencyHistogram journalSyncLatency;
    private final DurableReplies.Sender durableSender = this::transmit;
    private long syncRequested;

    private final DvmcMessage message = new DvmcMessage();
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();
    private final Grant grant = new Grant();
    private final ClientNames names = new ClientNames();
    private long nextMaintenanceMs;
    private AgentRunner runner;
    /** Set under {@link #sending} too: the journal's sync thread reads it there. */
    private boolean resourcesClosed;
    /**
     * Held by the service thread through each duty cycle, and by the journal's sync thread while it sends the replies
     * its sync made durable: everything a reply's send touches (the batch, the durable replies, the counters) is then
     * one thread's at a time.
     */
    private final ReentrantLock sending = new ReentrantLock();
    private boolean sharedAvailable = true;
    private final Path stateDir;
    private final LogLimiter journalLog = new LogLimiter(LOG_INTERVAL_MS);
    private final LogLimiter compactionLog = new LogLimiter(LOG_INTERVAL_MS);
    private int listedQuarantines = -1;

    /** A service with a single cluster-wide key, whose agents address it by its listen address. */
    public DvmcService(
        final PolicyStore policy,
        final InetSocketAddress listen,
        final byte[] key,
        final Path journalDir,
        final Clock clock,
        final IdleStrategy idleStrategy) throws IOException
    {
        this(policy, listen, null, KeyRing.single(key), journalDir, clock, idleStrategy, null);
    }

    /** A service with a single cluster-wide key, whose leases expire on {@code monotonic}. */
    public DvmcService(
        final PolicyStore policy,
        final InetSocketAddress listen,
        final byte[] key,
        final Path journalDir,
        final Clock clock,
        final NanoClock monotonic,
        final IdleStrategy idleStrategy) throws IOException
    {
        this(policy, listen, null, KeyRing.single(key), journalDir, clock, monotonic, idleStrategy, null);
    }

    /**
     * Binds {@code listen} and opens the service's leases; call {@link #start()} to serve.
     *
     * @param advertise    the endpoint agents send to (the policy's services entry), to which their requests are
     *                     signed; null means the bound address, which must then not be a wildcard.
     * @param keys         every key accepted (DESIGN §4); replies are signed with the key of their request.
     * @param stateDir     the journal (replayed here) when the leases are the service's own, and the counters.
     * @param clock        the wall clock: message timestamps and the authentication window; leases expire on a
     *                     monotonic clock that starts from it (the system's).
     * @param idleStrategy for the agent thread; null means wait (sleep until there is work). Busy spin for a dedicated
     *                     core.
     * @param sharedLeases the leases in etcd, shared with the service's other replicas, or null for the journal in
     *                     {@code stateDir}. Closed with the service.
     */
    public DvmcService(
        final PolicyStore policy,
        final InetSocketAddress listen,
        final InetSocketAddress advertise,
        final KeyRing keys,
        final Path stateDir,
        final Clock clock,
        final IdleStrategy idleStrategy,
        final EtcdLeaseLog sharedLeases) throws IOException
    {
        this(policy, listen, advertise, keys, stateDir, clock, SystemNanoClock.INSTANCE, idleStrategy, sharedLeases);
    }

    /**
     * @param monotonic the clock leases expire on, from the wall clock's time at this start.
     * @see #DvmcService(PolicyStore, InetSocketAddress, InetSocketAddress, KeyRing, Path, Clock, IdleStrategy,
     *     EtcdLeaseLog)
     */
    public DvmcService(
        final PolicyStore policy,
        final InetSocketAddress listen,
        final InetSocketAddress advertise,
        final KeyRing keys,
        final Path stateDir,
        final Clock clock,
        final NanoClock monotonic,
        final IdleStrategy idleStrategy,
        final EtcdLeaseLog sharedLeases) throws IOException
    {
        this.clock = clock;
        this.leaseClock = MonotonicClock.startingNow(clock, monotonic);
        this.policy = policy;
        this.domains = policy::domainOrNull;
        this.idleStrategy = idleStrategy != null ? idleStrategy : IdleStrategies.of(WaitingIdleStrategy.ALIAS);
        this.authenticator = new Authenticator(keys, keys.keys().get(0).id(), Authenticator.DEFAULT_WINDOW_MS,
            Authenticator.DEFAULT_REPLAY_CAPACITY);
        // A restarted service has an empty replay cache: nothing stamped before its start is taken.
        authenticator.notBefore(clock.millis());
        final Path journalDir = stateDir;
        this.stateDir = stateDir;
        this.manager = sharedLeases != null
            ? new AddressManager(policy, sharedLeases, leaseClock)
            : new AddressManager(policy, journalDir, leaseClock);
        this.bootp = new BootpAllocation(manager);
        this.durableReplies = manager.syncInBackground() ? new DurableReplies(DURABLE_QUEUE) : null;
        final LatencyHistogram syncLatency = new LatencyHistogram(JOURNAL_SYNC_METRIC,
            "Each fdatasync of the lease journal, which every ACK waits for: the disk's share of a DORA", "file",
            List.of(LeaseJournal.FILE_NAME));
        this.journalSyncLatency = manager.timeJournalSyncs(nanos -> syncLatency.record(0, nanos)) ? syncLatency : null;
        this.counters = new ServiceCounters(journalDir);
        this.receiveBatch = sharedLeases != null ? SHARED_RECEIVE_BATCH : RECEIVE_BATCH;
        this.txView = new UnsafeBuffer(ByteBuffer.allocateDirect(receiveBatch * DvmcMessage.MAX_LENGTH));
        this.pendingTargets = new long[receiveBatch];
        this.pendingLengths = new int[receiveBatch];
        this.pendingEntries = new int[receiveBatch];
        this.pendingEarly = new boolean[receiveBatch];
        this.pendingTypes = new int[receiveBatch];
        this.pendingAddresses = new int[receiveBatch];
        DatagramChannel ch = null;
        try
        {
            ch = DatagramChannel.open(StandardProtocolFamily.INET);
            ch.configureBlocking(false);
            try
            {
                ch.bind(listen);
            }
            catch (final IOException ex)
            {
                throw IoFaults.bind(listen, ex);
            }
            // The requests that arrive while a batch is made durable wait in the socket.
            ReceiveBuffer.size(ch, RECEIVE_QUEUE, "dvmc service on " + listen);
            this.localAddress = (InetSocketAddress)ch.getLocalAddress();
            bindRequestsTo(advertise != null ? advertise : localAddress);
            // One more byte than a message may have: a longer datagram shows as too long rather than cut short. As
            // many send slots: a batch's replies, and those the journal's sync released, leave in one call.
            this.batch = new DatagramBatch(ch, receiveBatch, DvmcMessage.MAX_LENGTH + 1);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (ch != null)
            {
                ch.close();
            }
            manager.close();
            counters.close();
            doorbell.close();
            throw ex;
        }
        this.channel = ch;
        final InetSocketAddress advertised = advertise != null ? advertise : localAddress;
        this.revoker = new HostRevoker(ch, authenticator, clock, counters,
            Addresses.ipv4Bits(advertised.getAddress()));
        manager.revocations(revoker);
        if (this.idleStrategy instanceof WaitingIdleStrategy waiting)
        {
            // Asleep between requests, the thread wakes for a request or a tenant server's answer, a sync done, another
            // replica's change, or new keys.
            waiting.waitOn(ch);
            waiting.wakeBy(doorbell);
            manager.wakeOnChange(this::onJournalSynced);
            relay.onSocketOpen(waiting::waitOn);
        }
        counters.add(Counter.JOURNAL_DAMAGE, manager.journalDamage());
        LOG.info("dvmc service on {}: {} leases restored from {}", localAddress, manager.leaseCount(), journalDir);
    }

    private void bindRequestsTo(final InetSocketAddress endpoint)
    {
        final int address = Addresses.ipv4Bits(endpoint.getAddress());
        if (address == 0 || endpoint.getPort() == 0)
        {
            throw new IllegalArgumentException("listening on " + localAddress + " needs an advertised address " +
                "(the host:port agents send to, as in the policy's services)");
        }
        authenticator.receiverEndpoint(address, endpoint.getPort());
    }

    /** Runs the service on its own thread under an {@link AgentRunner}. */
    public DvmcService start()
    {
        if (runner != null)
        {
            throw new IllegalStateException("already started");
        }
        runner = new AgentRunner(idleStrategy, this::onError, null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    /** The thread the service runs on once started, or null. */
    Thread thread()
    {
        return runner == null ? null : runner.thread();
    }

    /** The bound address; with port 0 in the listen address, the port picked. */
    public InetSocketAddress localAddress()
    {
        return localAddress;
    }

    public ServiceCounters counters()
    {
        return counters;
    }

    /** How long the lease journal's syncs took ({@value #JOURNAL_SYNC_METRIC}), or null with leases in etcd. */
    public LatencyHistogram journalSyncLatency()
    {
        return journalSyncLatency;
    }

    AddressManager manager()
    {
        return manager;
    }

    /**
     * The pool figures of the domains served since start, as of the last maintenance (each second) after
     * {@link #publishPoolFigures()}; any thread.
     */
    public List<PoolFigures> poolFigures()
    {
        return poolFigures;
    }

    /** From now on, the service thread computes {@link #poolFigures()} at each maintenance (a metrics endpoint). */
    public void publishPoolFigures()
    {
        publishPoolFigures = true;
    }

    /**
     * The host name a VM's client gave with its lease (option 12), or "": what the service recorded, for operators'
     * tools. Read from another thread, it may lag the service thread by a request.
     */
    public String hostName(final int domainId, final long mac)
    {
        return manager.hostName(domainId, mac);
    }

    public String roleName()
    {
        return "dvmc-service";
    }

    /**
     * Verifies requests with {@code keys} from the next duty cycle on (a key added for a host, or one retired): the
     * rotation of DESIGN §4 without a restart. Any thread; the service logs "key ring reloaded" once they are in use.
     */
    public void reloadKeys(final KeyRing keys)
    {
        newKeys.set(keys);
        doorbell.ring();
    }

    /** The key ring requests are verified with. */
    public KeyRing keys()
    {
        final KeyRing pending = newKeys.get();
        return pending != null ? pending : authenticator.ring();
    }

    public int doWork()
    {
        sending.lock();
        try
        {
            return work();
        }
        finally
        {
            sending.unlock();
        }
    }

    /**
     * After each sync of the journal, on its sync thread: sends the replies it made durable if the service thread
     * is not in a duty cycle (asleep, most likely), else wakes it to send them. One thread hand-off less per ACK.
     */
    private void onJournalSynced()
    {
        if (durableReplies != null && sending.tryLock())
        {
            try
            {
                if (!resourcesClosed && sendDurableSoFar())
                {
                    return;
                }
            }
            finally
            {
                sending.unlock();
            }
        }
        doorbell.ring();
    }

    /** With {@link #sending} held: sends what the journal made durable; whether no reply is left waiting. */
    private boolean sendDurableSoFar()
    {
        if (durableReplies.size() == 0)
        {
            return true;
        }
        final long durable = manager.durableSoFar();
        if (durable < 0)
        {
            // A failed sync: the service thread withholds the replies and counts it.
            return false;
        }
        durableReplies.sendUpTo(durable, durableSender);
        sendQueued();
        return durableReplies.size() == 0;
    }

    private int work()
    {
        final KeyRing keys = newKeys.getAndSet(null);
        if (keys != null)
        {
            authenticator.rekey(keys, keys.keys().get(0).id());
            // Said here, not where the file was read: from this line on, no request is verified with the old keys.
            LOG.info("key ring reloaded: {}", keys.describe());
        }
        final long now = clock.millis();
        final int changes = manager.pollShared();
        if (changes < 0)
        {
            // The shared leases are not known: deciding now could hand out what another replica bound.
            if (sharedAvailable)
            {
                sharedAvailable = false;
                counters.increment(Counter.UNAVAILABLE);
                LOG.warn("shared leases unreadable: requests wait unanswered until etcd answers");
            }
            return 0;
        }
        sharedAvailable = true;
        int work = changes + sendDurable();
        final long receiveErrors = batch.receiveErrors();
        final int received = batch.receive(
            durableReplies == null ? receiveBatch : Math.min(receiveBatch, durableReplies.free()));
        if (batch.receiveErrors() != receiveErrors)
        {
            counters.add(Counter.ERRORS, batch.receiveErrors() - receiveErrors);
        }
        if (received > 0)
        {
            // Counted once per batch: an idle duty cycle touches no shared counter.
            counters.add(Counter.RECEIVED, received);
            work += received;
            for (int i = 0; i < received; i++)
            {
                onDatagram(batch.offset(i), batch.length(i), batch.sourceAddress(i), batch.sourcePort(i), now);
            }
        }
        if (pending > 0)
        {
            if (durableReplies != null)
            {
                flushPipelined();
            }
            else
            {
                flush();
            }
        }
        work += relay.poll(leaseClock.millis(), domains);
        sendQueued();
        final long leaseNow = leaseClock.millis();
        if (leaseNow >= nextMaintenanceMs)
        {
            nextMaintenanceMs = leaseNow + MAINTENANCE_INTERVAL_MS;
            work += maintain();
        }
        return work;
    }

    public void onClose()
    {
        closeResources();
    }

    /**
     * Stops the agent thread (if started) and closes the socket and the journal. A thread asleep (idle wait) is rung
     * every {@link #CLOSE_WAKE_MS} until it has stopped, rather than left to end its sleep.
     */
    public void close()
    {
        if (runner != null)
        {
            runner.close(CLOSE_WAKE_MS, thread -> doorbell.ring());
        }
        closeResources();
    }

    /** Where a reply goes: the request's location (patent field 220), else where it came from; 0 for nowhere. */
    static long target(final int locationAddress, final int locationPort, final int sourceAddress,
        final int sourcePort)
    {
        return locationAddress != 0 && locationPort != 0
            ? ((locationAddress & 0xFFFF_FFFFL) << 16) | locationPort
            : ((sourceAddress & 0xFFFF_FFFFL) << 16) | sourcePort;
    }

    private void onDatagram(final int offset, final int length, final int fromAddress, final int fromPort,
        final long now)
    {
        if (length > DvmcMessage.MAX_LENGTH)
        {
            counters.drop(DvmcError.BAD_LENGTH);
            return;
        }
        int rc = message.wrap(batch.rxBuffer(), offset, length);
        if (rc < 0)
        {
            counters.drop(rc);
            return;
        }
        rc = authenticator.verify(message, now);
        if (rc < 0)
        {
            counters.drop(rc);
            return;
        }
        final int type = message.type();
        if (!DvmcMessageType.isRequest(type))
        {
            counters.drop(DvmcError.UNEXPECTED_TYPE);
            return;
        }
        if (!policy.mayServe((int)(message.transactionId() >>> 32), message.domainId()))
        {
            // A host asking for a tenant it has no VM of: a compromised hypervisor must not reach other tenants.
            counters.drop(DvmcError.HOST_NOT_AUTHORIZED);
            return;
        }
        revoker.learn(message);

        if (relayed(type, fromAddress, fromPort))
        {
            return;
        }

        final int slot = pending;
        pendingEntries[slot] = -1;
        pendingEarly[slot] = false;
        pendingTypes[slot] = type;
        pendingAddresses[slot] = message.yiaddr();
        encoder.wrap(txView, slot * DvmcMessage.MAX_LENGTH, DvmcMessage.MAX_LENGTH).identityOf(message);
        try
        {
            final int replyType = decide(type);
            pendingEntries[slot] = grant.entry;
            pendingEarly[slot] = grant.entry < 0 && !grant.durable() &&
                (type == DvmcMessageType.DISCOVER || type == DvmcMessageType.INFORM);
            encoder.type(replyType)
                .status(DvmcStatus.ACK, DvmcStatus.REASON_NONE)
                .yiaddr(grant.address())
                .serverId(grant.serverId())
                .vmLeaseSeconds(grant.vmLeaseSeconds())
                .hostLeaseSeconds(grant.hostLeaseSeconds());
            if (grant.options() != null)
            {
                encoder.config(grant.options(), 0, grant.optionsLength());
            }
        }
        catch (final LeaseException ex)
        {
            if (isSilent(ex))
            {
                return;
            }
            counters.increment(Counter.NAKS);
            encoder.type(DvmcMessageType.NAK).status(DvmcStatus.NAK, ex.reason());
            if (LOG.isDebugEnabled())
            {
                LOG.debug("NAK {}: {}", message, ex.getMessage());
            }
        }
        pendingLengths[slot] = encoder.signReply(authenticator, now, message.keyId());
        pendingTargets[slot] = target(message.locationAddress(), message.locationPort(), fromAddress, fromPort);
        pending++;
    }

    /**
     * Hands a VM's request of a relay domain to the relay.
     *
     * @return false when the request is the service's to answer: not a relay domain's VM's, or its relay is not
     * available here (answered with a NAK by the address manager, which has no leases of relay domains).
     */
    private boolean relayed(final int type, final int fromAddress, final int fromPort)
    {
        final Domain domain = policy.domainOrNull(message.domainId());
        if (domain == null || domain.mode() != Domain.Mode.RELAY || !RelayEngine.relays(type, message.mac()))
        {
            return false;
        }
        final SocketAddress target = targets.resolve(
            target(message.locationAddress(), message.locationPort(), fromAddress, fromPort));
        return relay.relay(message, domain, target, leaseClock.millis()) != RelayEngine.UNAVAILABLE;
    }

    /** A relayed request's answer: signed and sent at once (a relay domain has no leases here to make durable). */
    private void sendRelayAnswer(final DvmcMessage request, final SocketAddress target, final int type,
        final int reason, final int yiaddr, final int serverId, final int vmLeaseSeconds, final int hostLeaseSeconds,
        final DirectBuffer config, final int offset, final int length)
    {
        encoder.wrap(relayTxView, 0, DvmcMessage.MAX_LENGTH).identityOf(request).type(type)
            .status(type == DvmcMessageType.NAK ? DvmcStatus.NAK : DvmcStatus.ACK, reason)
            .yiaddr(yiaddr)
            .serverId(serverId)
            .vmLeaseSeconds(vmLeaseSeconds)
            .hostLeaseSeconds(hostLeaseSeconds);
        if (length > 0)
        {
            encoder.config(config, offset, length);
        }
        counters.increment(
            type == DvmcMessageType.OFFER ? Counter.OFFERS : type == DvmcMessageType.NAK ? Counter.NAKS : Counter.ACKS);
        final int total = encoder.signReply(authenticator, clock.millis(), request.keyId());
        final InetSocketAddress to = (InetSocketAddress)target;
        batch.queue(relayTxView, 0, total, Addresses.ipv4Bits(to.getAddress()), to.getPort());
    }

    /**
     * What is not an address fault gets no answer: the lease store failing (a full disk, etcd unreachable: an
     * internal fault is no "this address is wrong for you"; counted and logged, the client retransmits and the
     * store is tried again), or, with shared leases, no record of the client here (RFC 2131 §4.3.2: a server
     * without a record of the client remains silent; another replica may hold its offer or lease).
     */
    private boolean isSilent(final LeaseException ex)
    {
        if (ex instanceof LeaseStoreException)
        {
            counters.increment(Counter.JOURNAL_FAILURES);
            final long held = journalLog.allow(leaseClock.millis());
            if (held >= 0)
            {
                LOG.error("lease store failed, no answer to {}: {} ({} more such lines held back)", message,
                    ex.getMessage(), held);
            }
            return true;
        }
        if (manager.isShared() && ex instanceof LeaseNotFoundException)
        {
            counters.increment(Counter.WITHHELD);
            return true;
        }
        return false;
    }

    private int decide(final int type) throws LeaseException
    {
        final DvmcMessage m = message;
        manager.countRequest(m.domainId(), type);
        switch (type)
        {
            case DvmcMessageType.DISCOVER -> {
                manager.offer(m.domainId(), m.mac(), m.vmIdMsb(), m.vmIdLsb(), m.locationAddress(),
                    m.locationPort(), m.yiaddr(), clientKeyOf(m), namesOf(m), grant);
                counters.increment(Counter.OFFERS);
                return DvmcMessageType.OFFER;
            }
            case DvmcMessageType.REQUEST -> {
                manager.request(m.domainId(), m.mac(), m.vmIdMsb(), m.vmIdLsb(), m.locationAddress(),
                    m.locationPort(), m.yiaddr(), m.serverId(), m.transactionId(), clientKeyOf(m), namesOf(m), 0,
                    grant);
                counters.increment(Counter.ACKS);
                return DvmcMessageType.ACK;
            }
            case DvmcMessageType.RELEASE -> {
                manager.release(m.domainId(), m.mac(), m.yiaddr(), grant);
                counters.increment(Counter.RELEASES);
                return DvmcMessageType.ACK;
            }
            case DvmcMessageType.DECLINE -> {
                manager.decline(m.domainId(), m.mac(), m.yiaddr(), grant);
                counters.increment(Counter.DECLINES);
                return DvmcMessageType.ACK;
            }
            case DvmcMessageType.BOOTP -> {
                bootp.bind(m, clientKeyOf(m), grant);
                counters.increment(Counter.BOOTP_BINDINGS);
                return DvmcMessageType.ACK;
            }
            case DvmcMessageType.INFORM -> {
                manager.inform(m.domainId(), grant);
                counters.increment(Counter.INFORMS);
                return DvmcMessageType.ACK;
            }
            default -> {
                manager.query(m.domainId(), m.mac(), m.vmIdMsb(), m.vmIdLsb(), m.locationAddress(),
                    m.locationPort(), grant);
                counters.increment(Counter.LEASE_QUERIES);
                return DvmcMessageType.ACK;
            }
        }
    }

    /** The key of the VM's client identifier (option 61) that the agent put in field 225, if any. */
    private static long clientKeyOf(final DvmcMessage m)
    {
        final int at = m.findOption(DhcpOption.CLIENT_ID);
        if (at < 0)
        {
            return ClientKeys.NONE;
        }
        final int length = m.buffer().getByte(at - 1) & 0xFF;
        return at + length > m.configOffset() + m.configLength()
            ? ClientKeys.NONE
            : ClientKeys.of(m.buffer(), at, length);
    }

    /** The VM's host name (option 12) and FQDN (option 81) that the agent put in field 225, if any. */
    private ClientNames namesOf(final DvmcMessage m)
    {
        final int host = optionIn(m, DhcpOption.HOST_NAME);
        final int fqdn = optionIn(m, DhcpOption.CLIENT_FQDN);
        return names.read(m.buffer(), host, host < 0 ? 0 : m.buffer().getByte(host - 1) & 0xFF, fqdn,
            fqdn < 0 ? 0 : m.buffer().getByte(fqdn - 1) & 0xFF);
    }

    /** The offset of an option's value in field 225, or -1 when absent or running past the field. */
    private static int optionIn(final DvmcMessage m, final int code)
    {
        final int at = m.findOption(code);
        return at < 0 || at + (m.buffer().getByte(at - 1) & 0xFF) > m.configOffset() + m.configLength() ? -1 : at;
    }

    private void flush()
    {
        if (manager.needsSync())
        {
            // An OFFER is no promise (RFC 2131 §4.3.1): it leaves now, and its REQUEST may arrive during the sync.
            for (int i = 0; i < pending; i++)
            {
                if (pendingEarly[i])
                {
                    send(i);
                }
            }
            sendQueued();
            try
            {
                manager.sync();
                counters.increment(Counter.JOURNAL_SYNCS);
            }
            catch (final LeaseStoreException ex)
            {
                // Nothing in this batch may be acknowledged: the journal may not hold it.
                counters.increment(Counter.JOURNAL_FAILURES);
                final long held = journalLog.allow(leaseClock.millis());
                if (held >= 0)
                {
                    LOG.error("lease journal sync failed, {} replies withheld: {} ({} more such lines held back)",
                        pending, ex.getMessage(), held);
                }
                Arrays.fill(pendingTargets, 0, pending, NO_TARGET);
                pending = 0;
                manager.endBatch();
                return;
            }
        }
        for (int i = 0; i < pending; i++)
        {
            if (pendingTargets[i] == NO_TARGET)
            {
                continue;
            }
            if (pendingEntries[i] >= 0 && !settle(i, i * DvmcMessage.MAX_LENGTH))
            {
                pendingTargets[i] = NO_TARGET;
                continue;
            }
            send(i);
        }
        pending = 0;
        manager.endBatch();
    }

    /**
     * The batch's replies with the journal syncing in the background: OFFERs and INFORM answers leave now, the
     * others once the journal is durable up to what was appended when they were decided (group commit across every
     * batch decided while a sync runs).
     */
    private void flushPipelined()
    {
        for (int i = 0; i < pending; i++)
        {
            if (pendingEarly[i])
            {
                send(i);
            }
        }
        long durable;
        long position;
        try
        {
            position = manager.requestSync();
            durable = manager.durable();
        }
        catch (final LeaseStoreException ex)
        {
            withhold(ex);
            return;
        }
        if (position > syncRequested)
        {
            syncRequested = position;
            counters.increment(Counter.JOURNAL_SYNCS);
        }
        for (int i = 0; i < pending; i++)
        {
            if (pendingTargets[i] == NO_TARGET)
            {
                continue;
            }
            if (position <= durable && durableReplies.size() == 0)
            {
                send(i);
                continue;
            }
            // Room was kept: a batch takes no more requests than the queue has free slots.
            durableReplies.add(txView, i * DvmcMessage.MAX_LENGTH, pendingLengths[i], pendingTargets[i],
                pendingTypes[i], pendingAddresses[i], position);
            pendingTargets[i] = NO_TARGET;
        }
        pending = 0;
        manager.endBatch();
    }

    /** Sends the replies whose records the journal's background sync made durable. */
    private int sendDurable()
    {
        if (durableReplies == null || durableReplies.size() == 0)
        {
            return 0;
        }
        try
        {
            return durableReplies.sendUpTo(manager.durable(), durableSender);
        }
        catch (final LeaseStoreException ex)
        {
            withhold(ex);
            return 1;
        }
    }

    /** The journal cannot be known to hold what the waiting replies and the batch's depend on: none may leave. */
    private void withhold(final LeaseStoreException ex)
    {
        int withheld = durableReplies.clear();
        for (int i = 0; i < pending; i++)
        {
            if (pendingTargets[i] != NO_TARGET)
            {
                withheld++;
                pendingTargets[i] = NO_TARGET;
            }
        }
        pending = 0;
        manager.endBatch();
        counters.increment(Counter.JOURNAL_FAILURES);
        final long held = journalLog.allow(leaseClock.millis());
        if (held >= 0)
        {
            LOG.error("lease journal sync failed, {} replies withheld: {} ({} more such lines held back)", withheld,
                ex.getMessage(), held);
        }
    }

    /** Sends the reply in slot {@code i} and forgets its target. */
    private void send(final int i)
    {
        transmit(txView, i * DvmcMessage.MAX_LENGTH, pendingLengths[i], pendingTargets[i], pendingTypes[i],
            pendingAddresses[i]);
        pendingTargets[i] = NO_TARGET;
    }

    /** Queues a reply for {@link #sendQueued}, which sends the duty cycle's replies in one system call. */
    private void transmit(final UnsafeBuffer view, final int start, final int length, final long target,
        final int requestType, final int requestAddress)
    {
        if (batch.queue(view, start, length, (int)(target >>> 16), (int)target & 0xFFFF) && events.enabled() &&
            sentReply.wrap(view, start, length) >= 0)
        {
            events.replied(requestType, sentReply, requestAddress);
        }
    }

    /** Sends the queued replies; one the kernel refuses is lost as a dropped datagram (the agent retransmits). */
    private void sendQueued()
    {
        if (batch.queued() == 0)
        {
            return;
        }
        final long failures = batch.sendFailures();
        counters.add(Counter.SENT, batch.flush());
        counters.add(Counter.SEND_FAILURES, batch.sendFailures() - failures);
    }

    /**
     * The reply in slot {@code i} depends on a shared binding: keep the ACK if it became durable, turn it into a
     * NAK if the address is bound to another MAC (RFC 2131 §4.3.2), withhold it otherwise.
     *
     * @return whether a reply is to be sent.
     */
    private boolean settle(final int i, final int start)
    {
        grant.entry = pendingEntries[i];
        final int outcome = manager.outcome(grant);
        if (outcome == LeaseLog.OK)
        {
            return true;
        }
        if (outcome == LeaseLog.UNCERTAIN)
        {
            counters.increment(Counter.WITHHELD);
            return false;
        }
        counters.increment(Counter.CONFLICTS);
        counters.increment(Counter.NAKS);
        final long now = clock.millis();
        sentReply.wrap(txView, start, pendingLengths[i]);
        encoder.wrap(nakScratch, 0, DvmcMessage.MAX_LENGTH).identityOf(sentReply)
            .type(DvmcMessageType.NAK).status(DvmcStatus.NAK, DvmcStatus.REASON_WRONG_ADDRESS);
        final int length = encoder.signReply(authenticator, now, sentReply.keyId());
        txView.putBytes(start, nakScratch, 0, length);
        pendingLengths[i] = length;
        return true;
    }

    private int maintain()
    {
        if (publishPoolFigures)
        {
            poolFigures = manager.poolFigures();
        }
        final int expired = manager.sweep();
        counters.add(Counter.EXPIRED, expired);
        counters.set(Counter.SHARED_RELOADS, manager.sharedReloads());
        if (manager.isShared() && manager.needsSync())
        {
            try
            {
                manager.sync();
            }
            catch (final LeaseStoreException ex)
            {
                counters.increment(Counter.JOURNAL_FAILURES);
                LOG.warn("expired leases not removed from the shared store: {}", ex.getMessage());
            }
            manager.endBatch();
        }
        try
        {
            if (manager.compactIfDue())
            {
                counters.increment(Counter.COMPACTIONS);
            }
        }
        catch (final LeaseStoreException ex)
        {
            counters.increment(Counter.COMPACTION_FAILURES);
            final long held = compactionLog.allow(leaseClock.millis());
            if (held >= 0)
            {
                LOG.error("{} (retried with a backoff; {} more such lines held back)", ex.getMessage(), held);
            }
        }
        if (!manager.isShared())
        {
            maintainQuarantine();
            serveLeaseAdmin();
        }
        return expired;
    }

    /** Applies the operator's lift requests and publishes the quarantine ({@link QuarantineFiles}). */
    private void maintainQuarantine()
    {
        try
        {
            for (final int[] lift : QuarantineFiles.takeLift(stateDir))
            {
                final int lifted = manager.liftQuarantine(lift[0], lift[1]);
                LOG.warn("quarantine lifted by the operator: {} ({} lifted, {} left)",
                    lift[0] == 0 && lift[1] == 0
                        ? "all"
                        : Integer.toUnsignedString(lift[0]) + " " + Addresses.ipv4(lift[1]),
                    lifted,
                    manager.quarantined());
            }
            final int quarantined = manager.quarantined();
            counters.set(Counter.QUARANTINED, quarantined);
            if (quarantined != listedQuarantines)
            {
                QuarantineFiles.writeList(stateDir, manager.describeQuarantines());
                listedQuarantines = quarantined;
            }
        }
        catch (final IOException | IllegalArgumentException | LeaseStoreException ex)
        {
            counters.increment(Counter.ERRORS);
            LOG.error("quarantine lift request in {} not applied: {}", stateDir, ex.getMessage());
        }
    }

    /** Applies the operator's lease request, if one waits ({@link AdminFiles}). */
    private void serveLeaseAdmin()
    {
        try
        {
            LeaseAdmin.serve(stateDir, manager);
        }
        catch (final IOException ex)
        {
            counters.increment(Counter.ERRORS);
            LOG.error("lease admin request in {} not answered: {}", stateDir, ex.getMessage());
        }
    }

    private void onError(final Throwable error)
    {
        counters.increment(Counter.ERRORS);
        LOG.error("dvmc service duty cycle failed", error);
    }

    private synchronized void closeResources()
    {
        if (resourcesClosed)
        {
            return;
        }
        sending.lock();
        try
        {
            // The journal's sync thread sends nothing more on the socket about to close.
            resourcesClosed = true;
        }
        finally
        {
            sending.unlock();
        }
        relay.close();
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Closing the socket on shutdown.
        }
        manager.close();
        doorbell.close();
        // The counters file stays mapped: readers of counters() after close must not touch unmapped memory.
    }
}
