package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class DvmcClientTest
{
    private static final byte[] KEY = "client test cluster key 32 bytes".getBytes();
    private static final long START = 1_700_000_000_000L;
    private static final int HOST_ID = 0x0000_BEEF;

    /** The wall clock: message timestamps and the authentication window. */
    private final AtomicLong time = new AtomicLong(START);
    /** The monotonic clock: retransmission deadlines. */
    private final AtomicLong nanos = new AtomicLong(-1_000_000_000L);
    private final List<Long> replies = new ArrayList<>();
    private final List<Integer> replyAddresses = new ArrayList<>();
    private final List<Long> timeouts = new ArrayList<>();
    private final List<Integer> revoked = new ArrayList<>();
    private final FakeService service = new FakeService();
    private final DvmcClient client;

    DvmcClientTest() throws IOException
    {
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, HOST_ID, 4, RetryPolicy.DEFAULT,
            new Authenticator(KEY), time::get, nanos::get, new DvmcClient.Listener()
            {
                public void onReply(final long transactionId, final DvmcMessage reply)
                {
                    replies.add(transactionId);
                    replyAddresses.add(reply.yiaddr());
                }

                public void onTimeout(final long transactionId)
                {
                    timeouts.add(transactionId);
                }

                public void onRevoke(final DvmcMessage revoke)
                {
                    revoked.add(revoke.yiaddr());
                }
            });
    }

    @Test
    void aServicesRevokeBoundToThisClientReachesTheListenerOnceAndNeitherACopyNorOneBoundElsewhereDoes()
    {
        final int port = client.locationPort();
        final ByteBuffer revoke = service.revoke(0x0A000064, port, ((long)HOST_ID << 32) | 7, START);
        pollUntil(() -> revoked.size() == 1);

        service.send(revoke, port);
        service.revoke(0x0A000065, port + 1, ((long)HOST_ID << 32) | 8, START);
        service.revoke(0x0A000066, port, (0x0000_CAFEL << 32) | 9, START);
        pollUntil(() -> client.drops(DvmcError.REPLAY) == 1 && client.drops(DvmcError.BAD_MAC) == 1 &&
            revoked.size() == 2);

        // The last names another host, which a cluster-wide key may; a host's own key may not (AuthenticatorTest).
        assertEquals(List.of(0x0A000064, 0x0A000066), revoked);
        assertEquals(2, client.revokes());
        assertEquals(0, client.drops(DvmcError.UNEXPECTED_TYPE));
    }

    @AfterEach
    void close() throws IOException
    {
        client.close();
        service.close();
    }

    @Test
    void aMatchingReplyEndsTheTransactionAndReachesTheListener()
    {
        final long xid = discover();

        final DvmcMessage request = service.receive();
        assertEquals(DvmcMessageType.DISCOVER, request.type());
        assertEquals(xid, request.transactionId());
        assertEquals(0x7F000001, request.locationAddress());
        assertEquals(client.locationPort(), request.locationPort());
        service.reply(request, DvmcMessageType.OFFER, 0x0A000064, START);

        pollUntil(() -> replies.size() == 1);
        assertEquals(List.of(xid), replies);
        assertEquals(List.of(0x0A000064), replyAddresses);
        assertEquals(0, client.inFlight());
    }

    @Test
    void transactionIdsCarryTheHostIdInTheirHighHalf()
    {
        final long first = discover();
        final long second = discover();

        assertEquals(HOST_ID, (int)(first >>> 32));
        assertEquals(HOST_ID, (int)(second >>> 32));
        assertEquals((int)first + 1, (int)second);
    }

    @Test
    void aServiceAnsweringEveryTransactionInFlightAtOnceLosesNoReply() throws IOException
    {
        // A service answers its batch in one burst; the kernel's default queue held about 270 of them.
        final int capacity = 1024;
        final List<Long> answered = new ArrayList<>();
        final DvmcClient full = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, HOST_ID, capacity,
            RetryPolicy.DEFAULT, new Authenticator(KEY), time::get, nanos::get, new DvmcClient.Listener()
            {
                public void onReply(final long transactionId, final DvmcMessage reply)
                {
                    answered.add(transactionId);
                }

                public void onTimeout(final long transactionId)
                {
                    fail("timed out: " + transactionId);
                }
            });
        try
        {
            for (int i = 0; i < capacity; i++)
            {
                full.send(DvmcMessageType.DISCOVER, service.address(), 100, 0x020000000001L + i, 1, 2, 0, 0);
            }
            for (int i = 0; i < capacity; i++)
            {
                service.reply(service.receive(), DvmcMessageType.OFFER, 0x0A000064 + i, START);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (answered.size() < capacity && System.nanoTime() < deadline)
            {
                full.poll();
            }
            assertEquals(capacity, answered.size());
        }
        finally
        {
            full.close();
        }
    }

    @Test
    void aDuplicateReplyIsDroppedAsUnmatched()
    {
        discover();
        final DvmcMessage request = service.receive();
        service.reply(request, DvmcMessageType.OFFER, 0x0A000064, START);
        service.reply(request, DvmcMessageType.OFFER, 0x0A000064, START + 1);

        pollUntil(() -> client.drops(DvmcError.UNMATCHED) == 1);
        assertEquals(1, replies.size());
    }

    @Test
    void aReplyOfTheWrongTypeLeavesTheTransactionOpen()
    {
        discover();
        final DvmcMessage request = service.receive();
        service.reply(request, DvmcMessageType.ACK, 0x0A000064, START);

        pollUntil(() -> client.drops(DvmcError.UNMATCHED) == 1);
        assertTrue(replies.isEmpty());
        assertEquals(1, client.inFlight());
    }

    @Test
    void aNakAnswersAnyRequest()
    {
        discover();
        service.reply(service.receive(), DvmcMessageType.NAK, 0, START);

        pollUntil(() -> replies.size() == 1);
    }

    @Test
    void aReplySignedWithAnotherKeyIsDroppedAndCounted()
    {
        discover();
        final DvmcMessage request = service.receive();
        service.authenticator = new Authenticator("a key that is not the cluster key".getBytes());
        service.reply(request, DvmcMessageType.OFFER, 0x0A000064, START);

        pollUntil(() -> client.drops(DvmcError.BAD_MAC) == 1);
        assertTrue(replies.isEmpty());
    }

    @Test
    void aStaleReplyIsDroppedAndCounted()
    {
        discover();
        service.reply(service.receive(), DvmcMessageType.OFFER, 0x0A000064, START - 31_000);

        pollUntil(() -> client.drops(DvmcError.STALE) == 1);
        assertTrue(replies.isEmpty());
    }

    @Test
    void anUnansweredRequestIsResentWithExponentialBackoffThenTimesOut()
    {
        final long xid = discover();
        final List<Long> sentAt = new ArrayList<>();
        sentAt.add(service.receive().timestampMs() - START);

        for (long t = START; timeouts.isEmpty() && t <= START + 10_000; t += 50)
        {
            at(t);
            final long before = client.retransmits();
            client.poll();
            if (client.retransmits() > before)
            {
                final DvmcMessage resent = service.receive();
                assertEquals(xid, resent.transactionId());
                sentAt.add(resent.timestampMs() - START);
            }
        }

        assertEquals(List.of(0L, 250L, 750L, 1750L, 3750L), sentAt);
        assertEquals(List.of(xid), timeouts);
        assertEquals(1, client.timeouts());
        assertEquals(0, client.inFlight());
        assertTrue(time.get() >= START + 7750);
    }

    @Test
    void retransmissionsKeepTheirScheduleAcrossABackwardStepOfTheWallClock()
    {
        final long xid = discover();
        service.receive();
        final long stepped = START - 3_600_000;

        for (long elapsed = 0; timeouts.isEmpty() && elapsed <= 10_000; elapsed += 50)
        {
            time.set(stepped + elapsed);
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
            client.poll();
        }

        assertEquals(4, client.retransmits());
        assertEquals(List.of(xid), timeouts);
    }

    @Test
    void aServiceKnownToAnswerLaterThanTheFirstTimeoutIsNotSentTheRequestAgain()
    {
        long now = START;
        for (int exchange = 0; exchange < 5; exchange++)
        {
            final long xid = discover();
            final DvmcMessage request = receiveTry(xid);
            now += 400;
            at(now);
            client.poll();
            service.reply(request, DvmcMessageType.OFFER, 0x0A000065, now);
            pollUntil(() -> replies.contains(xid));
        }
        final long retransmitted = client.retransmits();

        final long xid = discover();
        final DvmcMessage request = receiveTry(xid);
        for (int step = 0; step < 8; step++)
        {
            now += 50;
            at(now);
            client.poll();
        }
        service.reply(request, DvmcMessageType.OFFER, 0x0A000065, now);
        pollUntil(() -> replies.contains(xid));

        assertEquals(retransmitted, client.retransmits(), "a 400 ms service was asked again after 250 ms");
    }

    @Test
    void aReplyToARetransmissionStillMatches()
    {
        final long xid = discover();
        service.receive();
        at(START + 250);
        client.poll();
        final DvmcMessage second = service.receive();
        service.reply(second, DvmcMessageType.OFFER, 0x0A000065, START + 250);

        pollUntil(() -> replies.size() == 1);
        assertEquals(List.of(xid), replies);
    }

    @Test
    void aFullTableRefusesNewTransactions()
    {
        for (int i = 0; i < 4; i++)
        {
            assertFalse(DvmcClient.isError(discover()));
        }

        assertEquals(DvmcError.TABLE_FULL, discover());
    }

    @Test
    void aCancelledTransactionIsNotRetransmitted()
    {
        final long xid = discover();
        service.receive();

        assertTrue(client.cancel(xid));
        at(START + 10_000);
        client.poll();
        assertEquals(0, client.retransmits());
        assertTrue(timeouts.isEmpty());
    }

    @Test
    void onlyRequestTypesCanBeSent()
    {
        assertEquals(DvmcError.BAD_TYPE, client.send(DvmcMessageType.OFFER, service.address(), 1, 1, 0, 0, 0, 0));
    }

    /** Real time passes to {@code wallMs}: both clocks move together (no step). */
    private void at(final long wallMs)
    {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(wallMs - time.get()));
        time.set(wallMs);
    }

    /** The next try of transaction {@code xid} the service receives, past retransmissions of earlier ones. */
    private DvmcMessage receiveTry(final long xid)
    {
        DvmcMessage request = service.receive();
        while (request.transactionId() != xid)
        {
            request = service.receive();
        }
        return request;
    }

    private long discover()
    {
        return client.send(DvmcMessageType.DISCOVER, service.address(), 100, 0x020000000001L, 1, 2, 0, 0);
    }

    private void pollUntil(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean())
        {
            client.poll();
            if (System.nanoTime() > deadline)
            {
                fail("condition not met within 5 s");
            }
            Thread.onSpinWait();
        }
    }

    /** A bare service endpoint: receives and verifies requests, answers what the test says. */
    private final class FakeService
    {
        private final DatagramChannel channel;
        private final ByteBuffer rx = ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH);
        private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
        private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH));
        private final DvmcMessage message = new DvmcMessage();
        private final Authenticator verifier = new Authenticator(KEY);
        private Authenticator authenticator = new Authenticator(KEY);
        private SocketAddress lastSender;

        FakeService()
        {
            try
            {
                channel = DatagramChannel.open();
                channel.configureBlocking(false);
                channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
                channel.bind(new InetSocketAddress("127.0.0.1", 0));
                // Requests are signed for the endpoint they are sent to.
                verifier.receiverEndpoint(0x7F00_0001, address().getPort());
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        InetSocketAddress address()
        {
            try
            {
                return (InetSocketAddress)channel.getLocalAddress();
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        DvmcMessage receive()
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            try
            {
                while (true)
                {
                    rx.clear();
                    lastSender = channel.receive(rx);
                    if (lastSender != null)
                    {
                        break;
                    }
                    if (System.nanoTime() > deadline)
                    {
                        fail("no datagram within 5 s");
                    }
                    Thread.onSpinWait();
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
            assertTrue(message.wrap(rxView, 0, rx.position()) > 0);
            assertEquals(DvmcError.OK, verifier.verify(message, message.timestampMs()));
            return message;
        }

        void reply(final DvmcMessage request, final int type, final int yiaddr, final long timestamp)
        {
            final int length = new DvmcMessageEncoder().wrap(tx, 0, DvmcMessage.MAX_LENGTH)
                .type(type)
                .identityOf(request)
                .status(type == DvmcMessageType.NAK ? DvmcStatus.NAK : DvmcStatus.ACK, 0)
                .yiaddr(yiaddr)
                .sign(authenticator, timestamp);
            final ByteBuffer bytes = tx.byteBuffer().duplicate().position(0).limit(length);
            try
            {
                channel.send(bytes, new InetSocketAddress("127.0.0.1", request.locationPort()));
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        /**
         * Sends a REVOKE of {@code address} to the client, signed bound to 127.0.0.1:{@code boundPort}.
         *
         * @return the datagram, to send again.
         */
        ByteBuffer revoke(final int address, final int boundPort, final long xid, final long timestamp)
        {
            final int length = new DvmcMessageEncoder().wrap(tx, 0, DvmcMessage.MAX_LENGTH)
                .type(DvmcMessageType.REVOKE)
                .domainId(100)
                .transactionId(xid)
                .mac(0x020000000001L)
                .location(0x7F00_0001, client.locationPort())
                .status(DvmcStatus.NAK, DvmcStatus.REASON_NO_LEASE)
                .yiaddr(address)
                .signTo(authenticator, timestamp, 0, 0x7F00_0001, boundPort);
            final ByteBuffer bytes = ByteBuffer.allocate(length).put(tx.byteBuffer().duplicate().position(0)
                .limit(length)).flip();
            send(bytes, client.locationPort());
            return bytes;
        }

        void send(final ByteBuffer bytes, final int port)
        {
            try
            {
                channel.send(bytes.duplicate(), new InetSocketAddress("127.0.0.1", port));
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        void close() throws IOException
        {
            channel.close();
        }
    }
}
