package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Keys with ids across many hosts: rotation host by host, host-bound keys, replays across replicas and restarts. */
class KeyRingAuthenticationTest
{
    private static final long NOW = 1_700_000_000_000L;
    private static final int HOST_7 = 7;
    private static final int HOST_8 = 8;
    private static final int REPLICA_A = 0x0A01_0001;
    private static final int REPLICA_B = 0x0A01_0002;
    private static final int SERVICE_PORT = 6767;

    private static final KeyRing.Key HOST_7_KEY_1 = key(1, HOST_7, 'a');
    private static final KeyRing.Key HOST_7_KEY_2 = key(2, HOST_7, 'b');
    private static final KeyRing.Key HOST_8_KEY_3 = key(3, HOST_8, 'c');

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();
    private final DvmcMessage message = new DvmcMessage();

    private static KeyRing.Key key(final int id, final int host, final char fill)
    {
        return new KeyRing.Key(id, host, String.valueOf(fill).repeat(32).getBytes());
    }

    private static Authenticator agentOf(final int host, final KeyRing.Key... keys)
    {
        final KeyRing ring = new KeyRing(List.of(keys));
        return new Authenticator(ring, ring.signingKeyFor(host).id(), Authenticator.DEFAULT_WINDOW_MS, 1024);
    }

    private static Authenticator serviceAt(final int address, final KeyRing.Key... keys)
    {
        final KeyRing ring = new KeyRing(List.of(keys));
        return new Authenticator(ring, keys[0].id(), Authenticator.DEFAULT_WINDOW_MS, 1024)
            .receiverEndpoint(address, SERVICE_PORT);
    }

    private int requestFrom(final Authenticator agent, final int host, final int toAddress, final long stamp)
    {
        return encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.RELEASE)
            .transactionId(((long)host << 32) | 1)
            .domainId(100)
            .mac(0x020000000001L)
            .location(0x0A00_0007, 40_000)
            .yiaddr(0x0A00_0064)
            .signRequest(agent, stamp, toAddress, SERVICE_PORT);
    }

    private int verify(final Authenticator receiver, final int length, final long now)
    {
        message.wrap(buffer, 0, length);
        return receiver.verify(message, now);
    }

    @Test
    void aRequestCapturedOnItsWayToOneReplicaIsRefusedByEveryOther()
    {
        final Authenticator agent = agentOf(HOST_7, HOST_7_KEY_1);
        final int length = requestFrom(agent, HOST_7, REPLICA_A, NOW);

        assertEquals(DvmcError.BAD_MAC, verify(serviceAt(REPLICA_B, HOST_7_KEY_1), length, NOW));
        assertEquals(DvmcError.OK, verify(serviceAt(REPLICA_A, HOST_7_KEY_1), length, NOW));
    }

    @Test
    void aRequestCapturedBeforeAServiceRestartIsRefusedByTheRestartedService()
    {
        final Authenticator agent = agentOf(HOST_7, HOST_7_KEY_1);
        final int length = requestFrom(agent, HOST_7, REPLICA_A, NOW);
        final Authenticator before = serviceAt(REPLICA_A, HOST_7_KEY_1);
        assertEquals(DvmcError.OK, verify(before, length, NOW));
        assertEquals(DvmcError.REPLAY, verify(before, length, NOW + 1));

        final Authenticator restarted = serviceAt(REPLICA_A, HOST_7_KEY_1).notBefore(NOW + 2_000);
        assertEquals(DvmcError.STALE, verify(restarted, length, NOW + 3_000));

        // The agent's retransmission is stamped anew, so a live exchange goes on.
        final int retransmitted = requestFrom(agent, HOST_7, REPLICA_A, NOW + 3_000);
        assertEquals(DvmcError.OK, verify(restarted, retransmitted, NOW + 3_000));
    }

    @Test
    void aHostKeyCannotSpeakForAnotherHost()
    {
        final Authenticator compromised = agentOf(HOST_7, HOST_7_KEY_1);
        final Authenticator service = serviceAt(REPLICA_A, HOST_7_KEY_1, HOST_8_KEY_3);

        assertEquals(DvmcError.KEY_NOT_FOR_HOST, verify(service, requestFrom(compromised, HOST_8, REPLICA_A, NOW),
            NOW));
        assertEquals(DvmcError.OK, verify(service, requestFrom(compromised, HOST_7, REPLICA_A, NOW + 1), NOW + 1));
    }

    @Test
    void aServicesRevokeSignedWithAHostsKeyIsTakenByThatHostAloneAndOnlyAtItsOwnEndpoint()
    {
        final Authenticator service = serviceAt(REPLICA_A, HOST_7_KEY_1, HOST_8_KEY_3);
        final Authenticator host7 = agentOf(HOST_7, HOST_7_KEY_1).receiverEndpoint(0x0A00_0007, 40_000);

        assertEquals(DvmcError.OK, verify(host7, revokeFrom(service, HOST_7_KEY_1, HOST_7, 0x0A00_0007, NOW), NOW));
        assertEquals(DvmcError.UNKNOWN_KEY, verify(agentOf(HOST_8, HOST_8_KEY_3).receiverEndpoint(0x0A00_0008, 40_000),
            revokeFrom(service, HOST_7_KEY_1, HOST_8, 0x0A00_0008, NOW + 1), NOW + 1), "host 8 holds no key of host 7");
        assertEquals(DvmcError.KEY_NOT_FOR_HOST, verify(host7, revokeFrom(service, HOST_7_KEY_1, HOST_8, 0x0A00_0007,
            NOW + 2), NOW + 2), "the transaction id names the key's host");
        assertEquals(DvmcError.BAD_MAC, verify(host7, revokeFrom(service, HOST_7_KEY_1, HOST_7, 0x0A00_0009, NOW + 3),
            NOW + 3), "bound to another host's endpoint");
        assertEquals(DvmcError.REPLAY, verify(host7, revokeFrom(service, HOST_7_KEY_1, HOST_7, 0x0A00_0007, NOW),
            NOW + 4), "a copy of the first");
    }

    private int revokeFrom(final Authenticator service, final KeyRing.Key key, final int host, final int toAddress,
        final long stamp)
    {
        return encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.REVOKE)
            .transactionId(((long)host << 32) | 1)
            .domainId(100)
            .mac(0x020000000001L)
            .location(toAddress, 40_000)
            .status(DvmcStatus.NAK, DvmcStatus.REASON_NO_LEASE)
            .yiaddr(0x0A00_0064)
            .signTo(service, stamp, key.id(), toAddress, 40_000);
    }

    @Test
    void aHostKeyIsRotatedWithoutTouchingAnyOtherHost()
    {
        final Authenticator host8 = agentOf(HOST_8, HOST_8_KEY_3);
        // 1. the service learns the new key beside the old one: host 7 still signs with key 1.
        final Authenticator service = serviceAt(REPLICA_A, HOST_7_KEY_1, HOST_7_KEY_2, HOST_8_KEY_3);
        assertEquals(DvmcError.OK, verify(service, requestFrom(agentOf(HOST_7, HOST_7_KEY_1), HOST_7, REPLICA_A,
            NOW), NOW));
        // 2. host 7 gets key 2 and signs with the newest key it holds.
        final Authenticator rotated = agentOf(HOST_7, HOST_7_KEY_1, HOST_7_KEY_2);
        assertEquals(2, rotated.signingKeyId());
        final int length = requestFrom(rotated, HOST_7, REPLICA_A, NOW + 1);
        assertEquals(2, new DvmcMessage().wrap(buffer, 0, length) > 0 ? message.keyId() : -1);
        assertEquals(DvmcError.OK, verify(service, length, NOW + 1));
        // 3. the service drops key 1: a host still on it is refused, host 8 never noticed.
        final Authenticator retired = serviceAt(REPLICA_A, HOST_7_KEY_2, HOST_8_KEY_3);
        assertEquals(DvmcError.UNKNOWN_KEY, verify(retired, requestFrom(agentOf(HOST_7, HOST_7_KEY_1), HOST_7,
            REPLICA_A, NOW + 2), NOW + 2));
        assertEquals(DvmcError.OK, verify(retired, requestFrom(rotated, HOST_7, REPLICA_A, NOW + 3), NOW + 3));
        assertEquals(DvmcError.OK, verify(retired, requestFrom(host8, HOST_8, REPLICA_A, NOW + 4), NOW + 4));
    }

    @Test
    void aReplyIsSignedWithTheKeyItsRequestCameWith()
    {
        final Authenticator agent = agentOf(HOST_7, HOST_7_KEY_2);
        final Authenticator service = serviceAt(REPLICA_A, HOST_7_KEY_1, HOST_7_KEY_2, HOST_8_KEY_3);
        final int length = requestFrom(agent, HOST_7, REPLICA_A, NOW);
        assertEquals(DvmcError.OK, verify(service, length, NOW));

        final UnsafeBuffer reply = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final int replyLength = new DvmcMessageEncoder().wrap(reply, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.ACK).identityOf(message).signReply(service, NOW, message.keyId());
        final DvmcMessage received = new DvmcMessage();
        received.wrap(reply, 0, replyLength);
        assertEquals(2, received.keyId());
        assertEquals(DvmcError.OK, agent.verify(received, NOW));
    }

    @Test
    void anAgentWithoutAKeyForItsHostIsRefusedAtStart()
    {
        final KeyRing ring = new KeyRing(List.of(HOST_8_KEY_3));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ring.signingKeyFor(HOST_7));
        assertEquals("no key for host 7 in 3 (host:8)", e.getMessage());
    }
}
