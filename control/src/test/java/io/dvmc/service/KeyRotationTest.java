package io.dvmc.service;

import io.dvmc.lab.FreePorts;
import io.dvmc.e2e.JvmProcess;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.KeyRing;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.lab.Exec;
import io.dvmc.policy.FilePolicyStore;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key rotated on a running service (issue 5, item 8): the operator edits the key file and sends SIGHUP; the
 * service takes the new ring without a restart, and a file it cannot read leaves the keys in use.
 */
class KeyRotationTest
{
    private static final int DOMAIN = 100;
    private static final String OLD = "11".repeat(32);
    private static final String NEW = "22".repeat(32);
    /**
     * Silence shows after 3 s, and an answer has as long: a service JVM that has only just started can take more than
     * a few hundred ms over its first request on a busy machine.
     */
    private static final RetryPolicy QUICK = new RetryPolicy(2, 1_000, 2_000);

    @TempDir
    Path dir;

    @Test
    void aKeyAddedToTheFileIsAcceptedAfterSighupAndARetiredOneIsRefused() throws Exception
    {
        final int port = FreePorts.udp();
        final InetSocketAddress service = new InetSocketAddress("127.0.0.1", port);
        final Path policy = policy(port);
        final Path keyFile = dir.resolve("cluster.key");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, "1 cluster " + OLD + "\n");
        try (JvmProcess process = JvmProcess.start("service", dir.resolve("logs"), null, "io.dvmc.cli.Dvmc",
            "service", "--policy", policy.toString(), "--listen", "127.0.0.1:" + port, "--state-dir",
            dir.resolve("state").toString(), "--key-file", keyFile.toString());
            TestAgent oldKey = agent(1, OLD);
            TestAgent newKey = agent(2, NEW))
        {
            process.await("the service listening", Duration.ofSeconds(30),
                () -> process.log().contains("listening on"));
            assertEquals(DvmcMessageType.OFFER, oldKey.discover(service, DOMAIN, 0x0200_0000_0001L).type());
            assertNull(discover(newKey, service), "a key the service does not hold yet");

            Files.writeString(keyFile, "1 cluster " + OLD + "\n2 cluster " + NEW + "\n");
            hangUp(process, 1);
            assertEquals(DvmcMessageType.OFFER, newKey.discover(service, DOMAIN, 0x0200_0000_0002L).type());

            Files.writeString(keyFile, "2 cluster " + NEW + "\n");
            hangUp(process, 2);
            assertNull(discover(oldKey, service), "a retired key");

            Files.writeString(keyFile, "2 cluster 1234\n");
            Exec.signal(process.pid(), "HUP");
            process.await("the bad key file reported", Duration.ofSeconds(10),
                () -> process.log().contains("key file not reloaded"));
            assertEquals(DvmcMessageType.OFFER, newKey.discover(service, DOMAIN, 0x0200_0000_0003L).type());
            assertTrue(process.isAlive(), process.log());
        }
    }

    @Test
    void aServiceStartedUnderNohupStillTakesItsKeysAgainOnSighup() throws Exception
    {
        final int port = FreePorts.udp();
        final InetSocketAddress service = new InetSocketAddress("127.0.0.1", port);
        final Path keyFile = dir.resolve("cluster.key");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, "1 cluster " + OLD + "\n");
        try (JvmProcess process = JvmProcess.startUnderNohup("service", dir.resolve("logs"), "io.dvmc.cli.Dvmc",
            "service", "--policy", policy(port).toString(), "--listen", "127.0.0.1:" + port, "--state-dir",
            dir.resolve("state").toString(), "--key-file", keyFile.toString());
            TestAgent newKey = agent(2, NEW))
        {
            process.await("the service listening", Duration.ofSeconds(30),
                () -> process.log().contains("listening on"));

            Files.writeString(keyFile, "1 cluster " + OLD + "\n2 cluster " + NEW + "\n");
            hangUp(process, 1);
            assertEquals(DvmcMessageType.OFFER, newKey.discover(service, DOMAIN, 0x0200_0000_0002L).type());
        }
    }

    @Test
    void anAgentGivenItsRotatedKeySignsWithItFromItsNextPoll() throws Exception
    {
        final int port = FreePorts.udp();
        final InetSocketAddress listen = new InetSocketAddress("127.0.0.1", port);
        final KeyRing onlyNew = ring(2, NEW);
        try (DvmcService service = new DvmcService(new FilePolicyStore(policy(port)), listen, null, onlyNew,
            dir.resolve("state"), Clock.systemUTC(), new BackoffIdleStrategy(), null).start();
            TestAgent agent = agent(1, OLD))
        {
            assertNull(discover(agent, listen), "a key the service no longer holds");

            agent.client.reloadKeys(onlyNew, 2);

            assertEquals(DvmcMessageType.OFFER, agent.discover(listen, DOMAIN, 0x0200_0000_0001L).type());
            assertThrows(IllegalArgumentException.class, () -> agent.client.reloadKeys(onlyNew, 1));
        }
    }

    /** SIGHUP, then the service's word that it took the file for the {@code reload}-th time. */
    private static void hangUp(final JvmProcess process, final int reload)
    {
        Exec.signal(process.pid(), "HUP");
        process.await("reload " + reload, Duration.ofSeconds(10),
            () -> process.log().split("key ring reloaded", -1).length > reload);
    }

    private static TestAgent.Reply discover(final TestAgent agent, final InetSocketAddress service)
    {
        return agent.replyOrSilence(agent.client.send(DvmcMessageType.DISCOVER, service, DOMAIN, 0x0200_0000_0009L, 1,
            0x0200_0000_0009L, 0, 0));
    }

    private Path policy(final int port) throws IOException
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": %d, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.10", "end": "10.0.0.200" } ], "services": [ "127.0.0.1:%d" ] } ] }
            """.formatted(DOMAIN, port));
        return policy;
    }

    private static KeyRing ring(final int keyId, final String hex)
    {
        return new KeyRing(List.of(new KeyRing.Key(keyId, KeyRing.ANY_HOST, HexFormat.of().parseHex(hex))));
    }

    private static TestAgent agent(final int keyId, final String hex) throws IOException
    {
        return new TestAgent(SystemEpochClock.INSTANCE, QUICK, new Authenticator(ring(keyId, hex), keyId,
            Authenticator.DEFAULT_WINDOW_MS, Authenticator.DEFAULT_REPLAY_CAPACITY));
    }

}
