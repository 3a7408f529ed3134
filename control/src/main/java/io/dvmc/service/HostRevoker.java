package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.service.ServiceCounters.Counter;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tells a VM's host that the service ended the VM's lease early ({@link DvmcMessageType#REVOKE}), so that the host's
 * fast path stops answering the VM's renewals from its host lease now rather than at the host lease's next refresh.
 *
 * <p>A host holds its own key only, so the REVOKE is signed with the key that host's requests last came with, and
 * names the host in its transaction id as a request does ({@link io.dvmc.exchange.KeyRing.Key#servesHost}); both are
 * learned from the requests of each location ({@link #learn}). A host not heard from since this service started is
 * not told (counted, for a lease ended here; a lease seen ended in etcd is left to the replicas the host has spoken
 * to): its host lease's refresh, which the service refuses, ends the lease within the refresh interval as before. One REVOKE, not acknowledged: the refresh is also the fallback for a lost one.
 */
final class HostRevoker implements LeaseRevocations
{
    private static final Logger LOG = LoggerFactory.getLogger(HostRevoker.class);
    /** Locations remembered at most; forgotten all at once past it, as {@link ReplyTargets} does. */
    static final int CAPACITY = 65_536;
    private static final long UNKNOWN = -1;

    /** Per location (address << 16 | port): the host id << 32 | the key id of its last request. */
    private final Long2LongHashMap hosts = new Long2LongHashMap(UNKNOWN);
    private final ReplyTargets targets = new ReplyTargets(1024);
    private final ByteBuffer frame = ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH);
    private final UnsafeBuffer view = new UnsafeBuffer(frame);
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();
    private final DatagramChannel channel;
    private final Authenticator authenticator;
    private final Clock clock;
    private final ServiceCounters counters;
    private final int serverAddress;
    private int counter = ThreadLocalRandom.current().nextInt();

    /** @param serverAddress the service's advertised address, which a REVOKE names as its server. */
    HostRevoker(final DatagramChannel channel, final Authenticator authenticator, final Clock clock,
        final ServiceCounters counters, final int serverAddress)
    {
        this.channel = channel;
        this.authenticator = authenticator;
        this.clock = clock;
        this.counters = counters;
        this.serverAddress = serverAddress;
    }

    /** Notes who sent a request that verified: its host and key, by its location. */
    void learn(final DvmcMessage request)
    {
        final long location = location(request.locationAddress(), request.locationPort());
        final long host = (request.transactionId() & 0xFFFF_FFFF_0000_0000L) | request.keyId();
        if (hosts.get(location) != host)
        {
            if (hosts.size() >= CAPACITY)
            {
                hosts.clear();
            }
            hosts.put(location, host);
        }
    }

    public void revoked(final int domainId, final long mac, final int address, final long vmIdMsb,
        final long vmIdLsb, final int locationAddress, final int locationPort, final boolean here)
    {
        final long host = locationAddress == 0 || locationPort == 0
            ? UNKNOWN
            : hosts.get(location(locationAddress, locationPort));
        if (host == UNKNOWN && !here)
        {
            // Seen in etcd: the replicas this host has spoken to tell it.
            return;
        }
        if (host == UNKNOWN)
        {
            counters.increment(Counter.REVOKES_UNSENT);
            LOG.info("lease of {} ({}) in domain {} ended: its host {}:{} has sent nothing here since this service " +
                "started, so it is not told; it stops answering the VM at its host lease's next refresh",
                Addresses.mac(mac), Addresses.ipv4(address), Integer.toUnsignedString(domainId),
                Addresses.ipv4(locationAddress), locationPort);
            return;
        }
        encoder.wrap(view, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.REVOKE)
            .domainId(domainId)
            .transactionId((host & 0xFFFF_FFFF_0000_0000L) | (++counter & 0xFFFF_FFFFL))
            .vmId(vmIdMsb, vmIdLsb)
            .mac(mac)
            .location(locationAddress, locationPort)
            .status(DvmcStatus.NAK, DvmcStatus.REASON_NO_LEASE)
            .yiaddr(address)
            .serverId(serverAddress);
        final int length = encoder.signTo(authenticator, clock.millis(), (int)(host & 0xFFFF), locationAddress,
            locationPort);
        frame.clear().limit(length);
        final SocketAddress target = targets.resolve(DvmcService.target(locationAddress, locationPort, 0, 0));
        try
        {
            if (channel.send(frame, target) > 0)
            {
                counters.increment(Counter.REVOKES_SENT);
                LOG.info("lease of {} ({}) in domain {} ended early: its host {}:{} told",
                    Addresses.mac(mac), Addresses.ipv4(address), Integer.toUnsignedString(domainId),
                    Addresses.ipv4(locationAddress), locationPort);
                return;
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("REVOKE to {} not sent: {}", target, ex.toString());
        }
        counters.increment(Counter.SEND_FAILURES);
        counters.increment(Counter.REVOKES_UNSENT);
    }

    private static long location(final int address, final int port)
    {
        return ((address & 0xFFFF_FFFFL) << 16) | (port & 0xFFFF);
    }
}
