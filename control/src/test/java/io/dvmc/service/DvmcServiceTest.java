package io.dvmc.service;

import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcError;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.lab.Await;
import io.dvmc.lab.FreePorts;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyFile;
import io.dvmc.service.ServiceCounters.Counter;
import io.dvmc.service.TestAgent.Reply;
import io.dvmc.wake.WaitingIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.dvmc.service.TestPolicies.BLUE;
import static io.dvmc.service.TestPolicies.FIRST;
import static io.dvmc.service.TestPolicies.RED;
import static io.dvmc.service.TestPolicies.RELAY;
import static io.dvmc.service.TestPolicies.ROUTER;
import static io.dvmc.service.TestPolicies.TINY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class DvmcServiceTest
{
    private static final long MAC = 0x020000000001L;
    private static final long OTHER_MAC = 0x020000000002L;
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(System.currentTimeMillis());
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    @Test
    void doraOverUdpGivesTheSameMacAnAddressInEachDomainTrackedSeparately() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();

        final Reply blueOffer = agent.discover(at, BLUE, MAC);
        final Reply redOffer = agent.discover(at, RED, MAC);
        assertEquals(DvmcMessageType.OFFER, blueOffer.type());
        assertEquals(FIRST, blueOffer.yiaddr());
        assertEquals(FIRST, redOffer.yiaddr());
        assertEquals(ROUTER, blueOffer.serverId());
        assertEquals(600, blueOffer.vmLease());
        assertEquals(2400, blueOffer.hostLease());

        final Reply blueAck = agent.request(at, BLUE, MAC, FIRST);
        final Reply redAck = agent.request(at, RED, MAC, FIRST);
        assertEquals(DvmcMessageType.ACK, blueAck.type());
        assertEquals(DvmcStatus.ACK, blueAck.status());
        assertEquals(FIRST, blueAck.yiaddr());
        assertEquals(BLUE, blueAck.domainId());
        assertEquals(MAC, blueAck.mac());
        assertEquals(DvmcMessageType.ACK, redAck.type());
        assertArrayEquals(new byte[]{10, 0, 0, 53}, blueAck.option(6));
        assertArrayEquals(new byte[]{10, 0, 0, 54}, redAck.option(6));
        assertArrayEquals(new byte[]{0x05, (byte)0xAA}, blueAck.option(26));
        assertArrayEquals(new byte[]{0x05, 0x78}, redAck.option(26));

        assertEquals(DvmcMessageType.ACK, agent.send(DvmcMessageType.RELEASE, at, BLUE, MAC, FIRST).type());
        assertEquals(DvmcStatus.REASON_NO_LEASE, agent.send(DvmcMessageType.LEASEQUERY, at, BLUE, MAC, 0).reason());
        assertEquals(FIRST, agent.send(DvmcMessageType.LEASEQUERY, at, RED, MAC, 0).yiaddr());
    }

    @Test
    void aRequestForAnAddressThatWasNotOfferedGetsANakWithTheReason() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();
        agent.discover(at, BLUE, MAC);

        final Reply wrong = agent.request(at, BLUE, MAC, FIRST + 50);
        final Reply outside = agent.request(at, BLUE, MAC, 0x0A000105);

        assertEquals(DvmcMessageType.NAK, wrong.type());
        assertEquals(DvmcStatus.NAK, wrong.status());
        assertEquals(DvmcStatus.REASON_WRONG_ADDRESS, wrong.reason());
        assertEquals(DvmcStatus.REASON_OUTSIDE_SUBNET, outside.reason());
        assertEquals(2, service.counters().get(Counter.NAKS));
    }

    @Test
    void relayAndUnknownDomainsAreNakkedWithTheirReasons() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();

        assertEquals(DvmcStatus.REASON_NOT_SUPPORTED, agent.discover(service.localAddress(), RELAY, MAC).reason());
        assertEquals(DvmcStatus.REASON_UNKNOWN_DOMAIN, agent.discover(service.localAddress(), 12345, MAC).reason());
    }

    @Test
    void anOfferThatIsNotRequestedReturnsToThePoolWhenTheHoldExpires() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();
        assertEquals(DvmcMessageType.OFFER, agent.discover(at, TINY, MAC).type());
        assertEquals(DvmcStatus.REASON_NO_ADDRESS, agent.discover(at, TINY, OTHER_MAC).reason());

        clock.advanceSeconds(31);
        awaitCondition(() -> service.counters().get(Counter.EXPIRED) == 1);

        final Reply offer = agent.discover(at, TINY, OTHER_MAC);
        assertEquals(DvmcMessageType.OFFER, offer.type());
        assertEquals(0x0A090064, offer.yiaddr());
    }

    @Test
    void boundLeasesSurviveARestartFromTheJournal() throws Exception
    {
        DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        agent.bind(service.localAddress(), BLUE, MAC);
        agent.bind(service.localAddress(), BLUE, OTHER_MAC);
        service.close();

        service = start(ANY_LOOPBACK);
        final Reply renewal = agent.request(service.localAddress(), BLUE, MAC, FIRST);
        final Reply query = agent.send(DvmcMessageType.LEASEQUERY, service.localAddress(), BLUE, OTHER_MAC, 0);

        assertEquals(DvmcMessageType.ACK, renewal.type());
        assertEquals(FIRST, renewal.yiaddr());
        assertEquals(FIRST + 1, query.yiaddr());
        final Reply newcomer = agent.discover(service.localAddress(), BLUE, 0x020000000003L);
        assertEquals(DvmcMessageType.OFFER, newcomer.type());
        assertEquals(FIRST + 2, newcomer.yiaddr());
    }

    @Test
    void anOfferLeavesWhileAnEarlierAcksJournalSyncStillRunsAndTheAckWaitsForIt() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();
        final Reply offer = agent.discover(at, BLUE, MAC);
        final CountDownLatch diskDone = new CountDownLatch(1);
        final CountDownLatch syncing = holdSyncs(service, diskDone);
        final long ack;
        try
        {
            ack = agent.client.send(DvmcMessageType.REQUEST, at, BLUE, MAC, 1, MAC, offer.yiaddr(), 0);
            assertTrue(syncing.await(10, TimeUnit.SECONDS), "the REQUEST's binding was never synced");
            final Reply other = agent.discover(at, BLUE, OTHER_MAC);
            agent.client.poll();

            assertEquals(DvmcMessageType.OFFER, other.type());
            assertFalse(agent.replies.containsKey(ack), "an ACK left before its lease was durable");
        }
        finally
        {
            diskDone.countDown();
        }
        assertEquals(DvmcMessageType.ACK, agent.await(ack).type());
    }

    @Test
    void anAckMadeDurableWhileTheServiceThreadSleepsIsSentByTheThreadThatSyncedWithoutWakingIt() throws Exception
    {
        // No spinning, and no sleep ends by itself within the test: only a datagram or the doorbell wakes the thread.
        final WaitingIdleStrategy idle = new WaitingIdleStrategy(0, 0, 600_000);
        final DvmcService service = new DvmcService(TestPolicies.policy(), ANY_LOOPBACK, TestAgent.KEY, dir, clock,
            clock, idle).start();
        closeables.add(service);
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();
        final Reply offer = agent.discover(at, BLUE, MAC);
        final CountDownLatch diskDone = new CountDownLatch(1);
        final CountDownLatch syncing = holdSyncs(service, diskDone);
        final long sleepsBefore = idle.sleeps();
        final long ack = agent.client.send(DvmcMessageType.REQUEST, at, BLUE, MAC, 1, MAC, offer.yiaddr(), 0);
        assertTrue(syncing.await(10, TimeUnit.SECONDS), "the REQUEST's binding was never synced");
        Await.until("the service thread asleep again", Duration.ofSeconds(10), () -> idle.sleeps() > sleepsBefore);
        final long asleep = idle.sleeps();

        diskDone.countDown();

        assertEquals(DvmcMessageType.ACK, agent.await(ack).type());
        assertFalse(Await.within(Duration.ofMillis(500), () -> idle.sleeps() > asleep),
            "the service thread was woken to send the ACK");
    }

    /** Holds each journal sync until {@code diskDone}; the latch returned opens when a sync is held. */
    private static CountDownLatch holdSyncs(final DvmcService service, final CountDownLatch diskDone)
    {
        final CountDownLatch syncing = new CountDownLatch(1);
        service.manager().journal().beforeSync(() -> {
            syncing.countDown();
            awaitQuietly(diskDone);
        });
        return syncing;
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRetransmittedRequestGetsTheSameAckWithoutAnotherJournalSync() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final TestAgent agent = agent();
        agent.discover(service.localAddress(), BLUE, MAC);
        final RawAgent raw = raw(TestAgent.KEY);

        raw.send(service, request(raw, 0x77, clock.millis()));
        final DvmcMessage first = raw.receive();
        final int firstType = first.type();
        final int firstAddress = first.yiaddr();
        final long syncs = service.counters().get(Counter.JOURNAL_SYNCS);
        raw.send(service, request(raw, 0x77, clock.millis() + 1));
        final DvmcMessage second = raw.receive();

        assertEquals(DvmcMessageType.ACK, firstType);
        assertEquals(DvmcMessageType.ACK, second.type());
        assertEquals(firstAddress, second.yiaddr());
        assertEquals(0x77, second.transactionId());
        assertEquals(syncs, service.counters().get(Counter.JOURNAL_SYNCS));
        assertEquals(2, service.counters().get(Counter.ACKS));
    }

    @Test
    void forgedStaleAndReplayedDatagramsAreDroppedCountedAndNeverAnswered() throws Exception
    {
        final DvmcService service = start(ANY_LOOPBACK);
        final RawAgent raw = raw(TestAgent.KEY);
        final RawAgent forger = raw("not the cluster key, but 32 byte".getBytes());

        forger.send(service, inform(forger, 1, clock.millis()));
        raw.send(service, inform(raw, 2, clock.millis() - 31_000));
        final int valid = inform(raw, 3, clock.millis());
        raw.send(service, valid);
        assertEquals(3, raw.receive().transactionId());
        raw.send(service, valid);
        forger.send(service, new byte[]{1, 2, 3});
        awaitCondition(() -> service.counters().totalDrops() == 4);

        // Replies leave in request order: the next one received answers the probe, so none answered the drops.
        raw.send(service, inform(raw, 4, clock.millis()));
        assertEquals(4, raw.receive().transactionId());
        assertTrue(forger.nothingReceived());
        assertEquals(1, service.counters().drops(DvmcError.BAD_MAC));
        assertEquals(1, service.counters().drops(DvmcError.STALE));
        assertEquals(1, service.counters().drops(DvmcError.REPLAY));
        assertEquals(1, service.counters().drops(DvmcError.TOO_SHORT));
    }

    @Test
    void aRequestCapturedOnItsWayToOneReplicaIsRefusedByAnotherAndAfterARestart() throws Exception
    {
        final DvmcService replicaA = start(ANY_LOOPBACK, dir.resolve("a"));
        final DvmcService replicaB = start(ANY_LOOPBACK, dir.resolve("b"));
        final RawAgent raw = raw(TestAgent.KEY);
        final int captured = inform(raw, 5, clock.millis());
        raw.send(replicaA, captured);
        assertEquals(5, raw.receive().transactionId());

        raw.replay(replicaB, captured);
        awaitCondition(() -> replicaB.counters().drops(DvmcError.BAD_MAC) == 1);

        final InetSocketAddress at = replicaA.localAddress();
        replicaA.close();
        clock.advanceMillis(1_000);
        final DvmcService restarted = start(at, dir.resolve("a"));
        raw.replay(restarted, captured);
        awaitCondition(() -> restarted.counters().drops(DvmcError.STALE) == 1);
        raw.send(restarted, inform(raw, 6, clock.millis()));
        assertEquals(6, raw.receive().transactionId());
        assertEquals(1, restarted.counters().get(Counter.SENT), "only the fresh request is answered");
    }

    @Test
    void aBurstOfRequestsThatArrivesWhileTheServiceIsBusyWaitsInItsSocket() throws Exception
    {
        // Not started yet: as busy as a service waiting on its lease store. The kernel's default queue held ~256.
        final DvmcService service = new DvmcService(TestPolicies.policy(), ANY_LOOPBACK, TestAgent.KEY, dir, clock,
            clock, new BackoffIdleStrategy());
        closeables.add(service);
        final RawAgent raw = raw(TestAgent.KEY);
        final int burst = 1024;
        for (int i = 0; i < burst; i++)
        {
            raw.send(service, inform(raw, i + 1, clock.millis()));
        }
        service.start();

        for (int i = 0; i < burst; i++)
        {
            assertEquals(DvmcMessageType.ACK, raw.receive().type(), "reply " + i);
        }
    }

    @Test
    void theClientRetransmitsUntilALateServiceAnswers() throws Exception
    {
        final InetSocketAddress address = freeLoopbackPort();
        final TestAgent agent = new TestAgent(System::currentTimeMillis);
        closeables.add(agent);
        final long xid = agent.client.send(DvmcMessageType.DISCOVER, address, BLUE, MAC, 1, 2, 0, 0);
        agent.client.poll();

        clock.advanceMillis(System.currentTimeMillis() - clock.millis());
        start(address);
        final Reply offer = agent.await(xid);

        assertEquals(DvmcMessageType.OFFER, offer.type());
        assertTrue(agent.client.retransmits() >= 1, "retransmits " + agent.client.retransmits());
    }

    @Test
    void theClientGivesUpAfterBoundedTriesWhenNoServiceAnswers() throws Exception
    {
        final InetSocketAddress nobody = freeLoopbackPort();
        final TestAgent agent = new TestAgent(System::currentTimeMillis, new RetryPolicy(3, 10, 40));
        closeables.add(agent);
        final long xid = agent.client.send(DvmcMessageType.DISCOVER, nobody, BLUE, MAC, 1, 2, 0, 0);

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!agent.timeouts.contains(xid))
        {
            agent.client.poll();
            if (System.nanoTime() > deadline)
            {
                fail("no timeout within 5 s");
            }
            Thread.onSpinWait();
        }

        assertEquals(2, agent.client.retransmits());
        assertEquals(0, agent.client.inFlight());
    }

    private DvmcService start(final InetSocketAddress listen) throws IOException
    {
        return start(listen, dir);
    }

    private DvmcService start(final InetSocketAddress listen, final Path journalDir) throws IOException
    {
        final Policy policy = TestPolicies.policy();
        final DvmcService service = new DvmcService(policy, listen, TestAgent.KEY, journalDir, clock,
            clock, new BackoffIdleStrategy()).start();
        closeables.add(service);
        return service;
    }

    private TestAgent agent() throws IOException
    {
        final TestAgent agent = new TestAgent(clock::millis);
        closeables.add(agent);
        return agent;
    }

    private RawAgent raw(final byte[] key) throws IOException
    {
        final RawAgent raw = new RawAgent(key);
        closeables.add(raw);
        return raw;
    }

    private int request(final RawAgent raw, final long xid, final long timestamp)
    {
        return raw.encode(DvmcMessageType.REQUEST, xid, BLUE, MAC, FIRST, timestamp);
    }

    private int inform(final RawAgent raw, final long xid, final long timestamp)
    {
        return raw.encode(DvmcMessageType.INFORM, xid, RED, MAC, 0, timestamp);
    }

    private static InetSocketAddress freeLoopbackPort()
    {
        return new InetSocketAddress("127.0.0.1", FreePorts.udp());
    }

    private static void awaitCondition(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("condition not met within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    /** Sends hand-made datagrams, to replay or forge them. */
    private static final class RawAgent implements AutoCloseable
    {
        private final DatagramChannel channel = DatagramChannel.open();
        private final Authenticator authenticator;
        private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH));
        private final ByteBuffer rx = ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH);
        private final DvmcMessage reply = new DvmcMessage();
        private final int port;

        RawAgent(final byte[] key) throws IOException
        {
            authenticator = new Authenticator(key);
            channel.configureBlocking(false);
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.bind(ANY_LOOPBACK);
            port = ((InetSocketAddress)channel.getLocalAddress()).getPort();
        }

        int encode(final int type, final long xid, final int domain, final long mac, final int address,
            final long timestamp)
        {
            return new DvmcMessageEncoder().wrap(tx, 0, DvmcMessage.MAX_LENGTH)
                .type(type).transactionId(xid).domainId(domain).mac(mac).vmId(1, 2)
                .location(0x7F000001, port).yiaddr(address)
                .sign(authenticator, timestamp);
        }

        void send(final DvmcService service, final int length) throws IOException
        {
            // Signed here, for the endpoint it goes to, with the timestamp encode() gave it.
            authenticator.signRequest(tx, 0, length, 0x7F000001, service.localAddress().getPort());
            channel.send(tx.byteBuffer().duplicate().position(0).limit(length), service.localAddress());
        }

        /** Sends the bytes of an earlier message again, as an attacker who captured them would. */
        void replay(final DvmcService service, final int length) throws IOException
        {
            channel.send(tx.byteBuffer().duplicate().position(0).limit(length), service.localAddress());
        }

        void send(final DvmcService service, final byte[] bytes) throws IOException
        {
            channel.send(ByteBuffer.wrap(bytes), service.localAddress());
        }

        DvmcMessage receive() throws IOException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            rx.clear();
            while (channel.receive(rx) == null)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("no reply within 10 s");
                }
                Thread.onSpinWait();
            }
            assertTrue(reply.wrap(new UnsafeBuffer(rx), 0, rx.position()) > 0);
            return reply;
        }

        boolean nothingReceived() throws IOException
        {
            rx.clear();
            return channel.receive(rx) == null;
        }

        public void close() throws IOException
        {
            channel.close();
        }
    }
}
