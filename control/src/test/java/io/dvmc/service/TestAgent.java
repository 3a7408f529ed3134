package io.dvmc.service;

import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.RetryPolicy;
import org.agrona.concurrent.EpochClock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/** Plays the host agent in service tests: a {@link DvmcClient} polled on the test thread, replies copied out. */
final class TestAgent implements AutoCloseable
{
    /** A reply, copied out of the flyweight. */
    record Reply(long xid, int type, int status, int reason, int yiaddr, int serverId, int vmLease, int hostLease,
        int domainId, long mac, byte[] config)
    {
        /** The value of an option in the configuration block, or null. */
        byte[] option(final int code)
        {
            for (int i = 0; i < config.length;)
            {
                final int c = config[i] & 0xFF;
                final int len = config[i + 1] & 0xFF;
                if (c == code)
                {
                    return java.util.Arrays.copyOfRange(config, i + 2, i + 2 + len);
                }
                i += 2 + len;
            }
            return null;
        }
    }

    static final byte[] KEY = "service test cluster key, 32 b!!".getBytes();

    final DvmcClient client;
    final Map<Long, Reply> replies = new HashMap<>();
    final Set<Long> timeouts = new HashSet<>();
    /** The addresses of the REVOKEs services sent. */
    final List<Integer> revoked = new ArrayList<>();
    private final EpochClock clock;

    TestAgent(final EpochClock clock) throws IOException
    {
        this(clock, RetryPolicy.DEFAULT);
    }

    TestAgent(final EpochClock clock, final RetryPolicy retry) throws IOException
    {
        this(clock, retry, new Authenticator(KEY));
    }

    TestAgent(final EpochClock clock, final RetryPolicy retry, final Authenticator keys) throws IOException
    {
        this.clock = clock;
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 42, 256, retry, keys,
            clock, new DvmcClient.Listener()
            {
                public void onReply(final long xid, final DvmcMessage m)
                {
                    final byte[] config = new byte[m.configLength()];
                    m.buffer().getBytes(m.configOffset(), config);
                    replies.put(xid, new Reply(xid, m.type(), m.status(), m.reason(), m.yiaddr(), m.serverId(),
                        m.vmLeaseSeconds(), m.hostLeaseSeconds(), m.domainId(), m.mac(), config));
                }

                public void onTimeout(final long xid)
                {
                    timeouts.add(xid);
                }

                public void onRevoke(final DvmcMessage m)
                {
                    revoked.add(m.yiaddr());
                }
            });
    }

    Reply discover(final InetSocketAddress service, final int domain, final long mac)
    {
        return await(client.send(DvmcMessageType.DISCOVER, service, domain, mac, 1, mac, 0, 0));
    }

    Reply request(final InetSocketAddress service, final int domain, final long mac, final int address)
    {
        return await(client.send(DvmcMessageType.REQUEST, service, domain, mac, 1, mac, address, 0));
    }

    Reply send(final int type, final InetSocketAddress service, final int domain, final long mac, final int address)
    {
        return await(client.send(type, service, domain, mac, 1, mac, address, 0));
    }

    /** A request of VM {@code (1, vmIdLsb)} whose configuration field carries {@code options} (DHCP TLVs). */
    Reply send(final int type, final InetSocketAddress service, final int domain, final long mac, final long vmIdLsb,
        final int address, final byte[] options)
    {
        return await(client.send(type, service, domain, mac, 1, vmIdLsb, address, 0,
            new org.agrona.concurrent.UnsafeBuffer(options), 0, options.length));
    }

    /** DISCOVER then REQUEST of the offered address; returns the ACK. */
    Reply bind(final InetSocketAddress service, final int domain, final long mac)
    {
        final Reply offer = discover(service, domain, mac);
        assertEquals(DvmcMessageType.OFFER, offer.type(), "offer in domain " + domain);
        return request(service, domain, mac, offer.yiaddr());
    }

    Reply await(final long xid)
    {
        final Reply reply = replyOrSilence(xid);
        if (reply == null)
        {
            fail("transaction " + Long.toHexString(xid) + " timed out");
        }
        return reply;
    }

    /** The reply, or null when the client gave up retransmitting without one. */
    Reply replyOrSilence(final long xid)
    {
        assertFalse(DvmcClient.isError(xid), "send failed: " + xid);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!replies.containsKey(xid))
        {
            client.poll();
            if (timeouts.contains(xid))
            {
                return null;
            }
            if (System.nanoTime() > deadline)
            {
                fail("no reply to " + Long.toHexString(xid) + " within 10 s");
            }
            Thread.onSpinWait();
        }
        return replies.get(xid);
    }

    public void close()
    {
        client.close();
    }
}
