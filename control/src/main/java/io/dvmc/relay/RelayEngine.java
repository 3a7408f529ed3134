package io.dvmc.relay;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.lease.HostLease;
import io.dvmc.policy.Domain;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The relay module of the dvmc service (patent FIG. 3 item 310, claims 4-5): a DVMC request of a relay domain's VM
 * goes to every tenant server of the domain as a relayed BOOTREQUEST ({@link RelayedRequest}), and the first good
 * answer comes back to the VM's host as the DVMC reply, with the tenant server's options ({@link TenantReply}).
 *
 * <p><b>Which domain an answer is for.</b> Tenant networks overlap: two relay domains may both hand out 10.0.0.0/24
 * to VMs that may even share a MAC, and a builtin domain may use the same subnet. An answer is attributed by three
 * checks together: it must arrive on the socket of the relay address its request was sent from ({@link RelaySockets},
 * one per relay address, so domains with their own relay addresses never see each other's traffic), its xid must
 * be one this service chose for a request in flight (the relay picks its own xid per relayed request, unique among
 * those in flight, so domains that share a relay address are still told apart), and its chaddr must be that
 * request's VM. The domain then comes from the request, never from the answer. Builtin domains never reach the
 * relay.
 *
 * <p><b>Several tenant servers.</b> Every request goes to all of them (as a relay agent forwards a broadcast). The
 * first good answer wins; later ones to the same request are dropped quietly ({@link RelayEvent#EXTRA_ANSWER}).
 * The VM sees only the domain's virtual server (option 54 is the domain's server address): the server id of the
 * tenant server whose offer went to the VM is kept, and put back as option 54 of the VM's SELECTING REQUEST, so the
 * other servers learn they were not chosen (RFC 2131 §4.3.2).
 *
 * <p><b>Faults.</b> No answer within {@link #WAIT_MS}: the VM's host hears nothing (its VM retransmits), counted
 * and logged ({@link RelayEvent#TIMED_OUT}). Garbage, unknown xids and other clients' chaddrs are dropped and
 * counted. A tenant's DHCPNAK is the tenant's verdict on the address and reaches the VM as one. RELEASE and DECLINE
 * expect no answer (RFC 2131 §4.3.3-4.3.4): they are sent on and acknowledged to the host at once.
 *
 * <p><b>BOOTP</b> (claim 5). A VM's BOOTREQUEST is relayed as one (no option 53), and the tenant's BOOTREPLY is
 * its answer: an ACK with the tenant's address and options and an infinite VM lease (RFC 1534 §2), which the agent
 * sends the VM as a BOOTREPLY, as for builtin BOOTP.
 *
 * <p>Runs on the service's thread; the sockets are non-blocking and polled by {@link #poll}.
 */
public final class RelayEngine implements AutoCloseable
{
    /** How long a relayed request waits for its tenant servers: within the agent's own tries of a request. */
    public static final long WAIT_MS = 2_000;
    /** How long the tenant server whose offer a VM got is remembered for its REQUEST (RFC 2131 §4.4.1). */
    static final long CHOICE_MS = 60_000;
    private static final int CAPACITY = 4096;
    private static final int RECEIVE_BATCH = 32;
    private static final long LOG_INTERVAL_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(RelayEngine.class);

    /** Outcomes of {@link #relay}. */
    public static final int RELAYED = 0;
    /** Not relayed and not to be answered: counted (a full table, an agent's retransmission). */
    public static final int SILENT = 1;
    /** Not relayed: the relay cannot be used here; the caller answers as for a domain it does not serve. */
    public static final int UNAVAILABLE = 2;

    private record Client(int domainId, long mac)
    {
    }

    private record Choice(int serverId, long untilMs)
    {
    }

    private final RelayAnswers answers;
    private final RelaySockets sockets = new RelaySockets();
    private final RelayExchanges exchanges = new RelayExchanges(CAPACITY);
    private final RelayedRequest writer = new RelayedRequest();
    private final TenantReply reply = new TenantReply();
    private final Map<Client, Choice> choices = new HashMap<>();
    private final ByteBuffer tx = ByteBuffer.allocateDirect(RelayedRequest.MAX_LENGTH);
    private final UnsafeBuffer txView = new UnsafeBuffer(tx);
    private final ByteBuffer rx = ByteBuffer.allocateDirect(65_536);
    private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
    private final UnsafeBuffer config = new UnsafeBuffer(new byte[DvmcMessage.MAX_CONFIG_LENGTH]);
    private final RelayExchanges.SlotConsumer onUnanswered = this::onUnanswered;
    private int nextXid = ThreadLocalRandom.current().nextInt();
    private long nextExpiryMs;
    private long expiryNowMs;
    private long nextTimeoutLogMs;
    private long timeoutsNotLogged;

    /** Tells {@code onOpen} of each relay socket opened from now on: a loop that sleeps waits on it too. */
    public void onSocketOpen(final Consumer<DatagramChannel> onOpen)
    {
        sockets.onOpen(onOpen);
    }

    public RelayEngine(final RelayAnswers answers)
    {
        this.answers = answers;
    }

    /** Whether a DVMC request of a relay domain is the relay's: one of a VM (not the host's own queries). */
    public static boolean relays(final int dvmcType, final long mac)
    {
        return mac != 0 && (dvmcType == DvmcMessageType.BOOTP || RelayedRequest.dhcpTypeOf(dvmcType) != 0);
    }

    /**
     * Sends {@code request} on to the tenant servers of {@code domain}.
     *
     * @param target where the answer goes (the VM location of the request).
     * @return {@link #RELAYED}, {@link #SILENT} or {@link #UNAVAILABLE}.
     */
    public int relay(final DvmcMessage request, final Domain domain, final SocketAddress target, final long nowMs)
    {
        if (exchanges.byDvmcXid(request.transactionId()) != RelayExchanges.NONE)
        {
            // The agent's retransmission: its request is with the tenant servers already.
            return SILENT;
        }
        final int giaddr = sockets.relayFrom(domain.relayAddresses(), nowMs);
        final DatagramChannel channel = giaddr == 0 ? null : sockets.held(giaddr);
        if (channel == null)
        {
            answers.count(RelayEvent.UNAVAILABLE);
            return UNAVAILABLE;
        }
        final int type = request.type();
        final boolean answered = type != DvmcMessageType.RELEASE && type != DvmcMessageType.DECLINE;
        final int xid = freeXid();
        final int length = writer.write(request, domain, giaddr, xid, chosenServer(request), txView);
        if (length < 0)
        {
            answers.count(RelayEvent.TOO_LONG);
            return SILENT;
        }
        if (answered && exchanges.claim(request, xid, target, channel, nowMs + WAIT_MS) == RelayExchanges.NONE)
        {
            answers.count(RelayEvent.FULL);
            return SILENT;
        }
        int sent = 0;
        for (final InetSocketAddress server : domain.relayServers())
        {
            tx.clear().limit(length);
            try
            {
                sent += channel.send(tx, server) > 0 ? 1 : 0;
            }
            catch (final IOException ex)
            {
                LOG.warn("{}: relaying to tenant server {} failed: {}", domain.label(), server, ex.getMessage());
            }
        }
        if (sent == 0)
        {
            answers.count(RelayEvent.UNAVAILABLE);
        }
        answers.count(RelayEvent.RELAYED);
        if (!answered)
        {
            // RFC 2131 §4.3.3-4.3.4: the server sends nothing back; the host learns the message is on its way.
            answers.answer(request, target, DvmcMessageType.ACK, DvmcStatus.REASON_NONE, request.yiaddr(),
                domain.serverIp(), 0, 0, config, 0, 0);
            choices.remove(new Client(request.domainId(), request.mac()));
        }
        return RELAYED;
    }

    /** Receives the tenant servers' answers and expires relayed requests nobody answered. @return work done. */
    public int poll(final long nowMs, final DomainLookup domains)
    {
        int work = 0;
        final List<DatagramChannel> open = sockets.open();
        for (int c = 0; c < open.size(); c++)
        {
            final DatagramChannel channel = open.get(c);
            for (int i = 0; i < RECEIVE_BATCH; i++)
            {
                rx.clear();
                final SocketAddress from;
                try
                {
                    from = channel.receive(rx);
                }
                catch (final IOException ex)
                {
                    answers.count(RelayEvent.MALFORMED);
                    break;
                }
                if (from == null)
                {
                    break;
                }
                work++;
                onAnswer(channel, rx.position(), nowMs, domains);
            }
        }
        if (nowMs >= nextExpiryMs)
        {
            nextExpiryMs = nowMs + 100;
            expiryNowMs = nowMs;
            exchanges.expire(nowMs, onUnanswered);
            choices.values().removeIf(choice -> choice.untilMs() <= nowMs);
        }
        return work;
    }

    private void onAnswer(final DatagramChannel channel, final int length, final long nowMs,
        final DomainLookup domains)
    {
        if (!reply.wrap(rxView, length))
        {
            answers.count(RelayEvent.MALFORMED);
            return;
        }
        final int slot = exchanges.byRelayXid(reply.xid());
        if (slot == RelayExchanges.NONE || exchanges.channel(slot) != channel)
        {
            answers.count(RelayEvent.UNMATCHED);
            return;
        }
        if (reply.mac() != exchanges.mac(slot))
        {
            answers.count(RelayEvent.WRONG_CLIENT);
            return;
        }
        if (exchanges.answered(slot))
        {
            answers.count(RelayEvent.EXTRA_ANSWER);
            return;
        }
        final DvmcMessage request = exchanges.request(slot);
        final Domain domain = domains.domainOrNull(request.domainId());
        final int replyType = replyTypeOf(request.type(), reply.messageType());
        if (domain == null || replyType == 0)
        {
            answers.count(RelayEvent.MALFORMED);
            return;
        }
        if (replyType == DvmcMessageType.NAK)
        {
            // The tenant's verdict on the address (RFC 2131 §4.3.2): the VM restarts in INIT.
            exchanges.markAnswered(slot);
            answers.count(RelayEvent.ANSWERED);
            answers.answer(request, exchanges.target(slot), DvmcMessageType.NAK, DvmcStatus.REASON_WRONG_ADDRESS, 0,
                domain.serverIp(), 0, 0, config, 0, 0);
            return;
        }
        final int configLength = reply.copyOptions(config, 0, config.capacity());
        final boolean inform = request.type() == DvmcMessageType.INFORM;
        if (configLength < 0 || (!inform && reply.yiaddr() == 0))
        {
            answers.count(RelayEvent.MALFORMED);
            return;
        }
        exchanges.markAnswered(slot);
        if (replyType == DvmcMessageType.OFFER && reply.serverId() != 0)
        {
            choices.put(new Client(request.domainId(), request.mac()), new Choice(reply.serverId(),
                nowMs + CHOICE_MS));
        }
        // The tenant's lease governs: the host holds the VM's lease no longer than the tenant server does.
        final int lease = inform ? 0 : reply.leaseSeconds(domain.leaseSeconds());
        // RFC 1534 §2: a BOOTP client has no lease and keeps its address; the host's lease still ends.
        final int vmLease = request.type() == DvmcMessageType.BOOTP ? HostLease.INFINITE : lease;
        answers.count(RelayEvent.ANSWERED);
        answers.answer(request, exchanges.target(slot), replyType, DvmcStatus.REASON_NONE,
            inform ? 0 : reply.yiaddr(), domain.serverIp(), vmLease, lease, config, 0, configLength);
    }

    /** The DVMC reply a tenant's DHCP answer stands for, 0 when it answers another kind of request. */
    private static int replyTypeOf(final int requestType, final int dhcpType)
    {
        return switch (requestType)
        {
            case DvmcMessageType.DISCOVER -> dhcpType == DhcpMessageType.OFFER ? DvmcMessageType.OFFER : 0;
            case DvmcMessageType.REQUEST -> dhcpType == DhcpMessageType.ACK
                ? DvmcMessageType.ACK
                : dhcpType == DhcpMessageType.NAK ? DvmcMessageType.NAK : 0;
            case DvmcMessageType.INFORM -> dhcpType == DhcpMessageType.ACK ? DvmcMessageType.ACK : 0;
            // RFC 1534 §2: a BOOTREPLY (no option 53) answers a BOOTREQUEST; a DHCP answer to one is not its.
            case DvmcMessageType.BOOTP -> dhcpType == DhcpMessageType.BOOTP ? DvmcMessageType.ACK : 0;
            default -> 0;
        };
    }

    private void onUnanswered(final int slot)
    {
        answers.count(RelayEvent.TIMED_OUT);
        final long nowMs = expiryNowMs;
        if (nowMs < nextTimeoutLogMs)
        {
            timeoutsNotLogged++;
            return;
        }
        nextTimeoutLogMs = nowMs + LOG_INTERVAL_MS;
        final DvmcMessage request = exchanges.request(slot);
        LOG.warn("domain {}: no tenant server answered the relayed {} of {} within {} ms; the VM is not answered " +
            "({} more such lines held back)", Integer.toUnsignedString(exchanges.domainId(slot)),
            DvmcMessageType.name(request.type()), Addresses.mac(exchanges.mac(slot)), WAIT_MS, timeoutsNotLogged);
        timeoutsNotLogged = 0;
    }

    /** The server id of the tenant server whose offer the VM got, or 0. */
    private int chosenServer(final DvmcMessage request)
    {
        final Choice choice = choices.get(new Client(request.domainId(), request.mac()));
        return choice == null ? 0 : choice.serverId();
    }

    private int freeXid()
    {
        int xid = nextXid++;
        while (exchanges.relayXidInUse(xid))
        {
            xid = nextXid++;
        }
        return xid;
    }

    public int inFlight()
    {
        return exchanges.inFlight();
    }

    public void close()
    {
        sockets.close();
    }

    /** The policy's domains, as the service knows them now. */
    @FunctionalInterface
    public interface DomainLookup
    {
        Domain domainOrNull(int domainId);
    }
}
