package io.dvmc.relay;

import io.dvmc.exchange.DvmcMessage;
import org.agrona.DirectBuffer;

import java.net.SocketAddress;

/** Where the relay's DVMC answers go: the service signs and sends them as it does its own. */
public interface RelayAnswers
{
    /**
     * Answers {@code request} (its identity: domain, transaction, VM) at {@code target}.
     *
     * @param type   the DVMC reply type (OFFER, ACK, NAK).
     * @param reason the NAK reason, or none.
     * @param config the tenant server's options for the VM (field 225), {@code length} bytes from {@code offset}.
     */
    void answer(DvmcMessage request, SocketAddress target, int type, int reason, int yiaddr, int serverId,
        int vmLeaseSeconds, int hostLeaseSeconds, DirectBuffer config, int offset, int length);

    void count(RelayEvent event);
}
