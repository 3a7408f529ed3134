package io.dvmc.service;

import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.RetryPolicy;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The crash story of the lease journal: a service in its own JVM binds leases for a client that keeps several
 * DORA exchanges in flight, and is killed with SIGKILL at a random moment, again and again on the same journal.
 * Every lease the client saw acknowledged must be bound, to the same address, after each restart.
 */
class JournalCrashTest
{
    private static final int DOMAIN = 500;
    private static final int ROUNDS = 6;
    private static final int IN_FLIGHT = 8;
    private static final String POLICY = """
        { "domains": [ { "id": 500, "name": "crash", "subnet": "10.1.0.0/16", "router": "10.1.0.1",
            "pools": [ { "start": "10.1.0.10", "end": "10.1.255.200" } ], "leaseSeconds": 3600,
            "services": ["127.0.0.1:6767"] } ] }
        """;

    @TempDir
    Path dir;

    private final Random random = new Random();
    private final Map<Long, Integer> acked = new HashMap<>();

    @Test
    void everyLeaseAcknowledgedBeforeAKillDashNineIsBoundAfterRestart() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, POLICY);
        final Path state = dir.resolve("state");
        long nextMac = 0x020000010000L;

        for (int round = 0; round < ROUNDS; round++)
        {
            final Process child = startService(policy, state, round);
            try
            {
                final InetSocketAddress at = awaitReady(child, round);
                verifyAllAcked(at, round);
                nextMac = bindUntilKilled(at, child, nextMac, 10 + random.nextInt(40));
            }
            finally
            {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
        }

        final Process last = startService(policy, state, ROUNDS);
        try
        {
            verifyAllAcked(awaitReady(last, ROUNDS), ROUNDS);
        }
        finally
        {
            last.destroyForcibly();
            last.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(acked.size() >= ROUNDS * 10, "acked " + acked.size());
    }

    /** Runs DORA for new MACs with several in flight; kills the service right after the target-th new ACK. */
    private long bindUntilKilled(final InetSocketAddress at, final Process child, final long firstMac, final int target)
        throws IOException
    {
        final Map<Long, Long> macByXid = new HashMap<>();
        final int[] newAcks = {0};
        final boolean[] killed = {false};
        final List<Long> toRequest = new ArrayList<>();
        final List<Integer> offered = new ArrayList<>();
        final DvmcClient.Listener listener = new DvmcClient.Listener()
        {
            public void onReply(final long xid, final DvmcMessage reply)
            {
                final Long mac = macByXid.remove(xid);
                if (killed[0] || mac == null)
                {
                    return;
                }
                if (reply.type() == DvmcMessageType.OFFER)
                {
                    toRequest.add(mac);
                    offered.add(reply.yiaddr());
                }
                else if (reply.type() == DvmcMessageType.ACK)
                {
                    acked.put(mac, reply.yiaddr());
                    if (++newAcks[0] == target)
                    {
                        // SIGKILL now, with other exchanges still between journal append, sync and ACK.
                        child.destroyForcibly();
                        killed[0] = true;
                    }
                }
                else
                {
                    fail("unexpected " + DvmcMessageType.name(reply.type()) + " reason " + reply.reason());
                }
            }

            public void onTimeout(final long xid)
            {
                macByXid.remove(xid);
            }
        };

        long mac = firstMac;
        try (DvmcClient client = client(listener))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!killed[0])
            {
                while (!toRequest.isEmpty())
                {
                    final long m = toRequest.remove(toRequest.size() - 1);
                    final int address = offered.remove(offered.size() - 1);
                    macByXid.put(client.send(DvmcMessageType.REQUEST, at, DOMAIN, m, 0, m, address, 0), m);
                }
                while (macByXid.size() < IN_FLIGHT)
                {
                    macByXid.put(client.send(DvmcMessageType.DISCOVER, at, DOMAIN, mac, 0, mac, 0, 0), mac);
                    mac++;
                }
                client.poll();
                if (System.nanoTime() > deadline)
                {
                    fail("only " + newAcks[0] + " of " + target + " leases bound within 60 s");
                }
            }
        }
        return mac;
    }

    private void verifyAllAcked(final InetSocketAddress at, final int round) throws IOException
    {
        final Map<Long, Long> macByXid = new HashMap<>();
        final Map<Long, Integer> found = new HashMap<>();
        final DvmcClient.Listener listener = new DvmcClient.Listener()
        {
            public void onReply(final long xid, final DvmcMessage reply)
            {
                final long mac = macByXid.remove(xid);
                if (reply.type() != DvmcMessageType.ACK)
                {
                    fail("round " + round + ": lease of " + Long.toHexString(mac) + " lost after kill -9 (" +
                        DvmcMessageType.name(reply.type()) + " reason " + reply.reason() + ")");
                }
                found.put(mac, reply.yiaddr());
            }

            public void onTimeout(final long xid)
            {
                fail("round " + round + ": lease query timed out");
            }
        };
        try (DvmcClient client = client(listener))
        {
            final List<Long> macs = new ArrayList<>(acked.keySet());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int next = 0;
            while (found.size() < macs.size())
            {
                while (next < macs.size() && macByXid.size() < 64)
                {
                    final long m = macs.get(next++);
                    macByXid.put(client.send(DvmcMessageType.LEASEQUERY, at, DOMAIN, m, 0, m, 0, 0), m);
                }
                client.poll();
                if (System.nanoTime() > deadline)
                {
                    fail("round " + round + ": lease queries unanswered");
                }
            }
        }
        assertEquals(acked, found, "round " + round);
    }

    private static DvmcClient client(final DvmcClient.Listener listener) throws IOException
    {
        return new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 7, 256, RetryPolicy.DEFAULT,
            new Authenticator(TestAgent.KEY), SystemEpochClock.INSTANCE, listener);
    }

    private Process startService(final Path policy, final Path state, final int round) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final String flags = System.getenv("DVMC_JVM_FLAGS");
        if (flags != null && !flags.isBlank())
        {
            command.addAll(List.of(flags.trim().split("\\s+")));
        }
        else
        {
            command.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashTestService.class.getName());
        command.add(policy.toString());
        command.add(state.toString());
        return new ProcessBuilder(command)
            .redirectError(dir.resolve("service-" + round + ".err").toFile())
            .start();
    }

    private InetSocketAddress awaitReady(final Process child, final int round) throws Exception
    {
        final BufferedReader out = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        // readLine blocks; a future bounds the wait without sleeping.
        final CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try
            {
                return out.readLine();
            }
            catch (final IOException ex)
            {
                return null;
            }
        });
        final String ready = line.get(60, TimeUnit.SECONDS);
        if (ready == null || !ready.startsWith("READY "))
        {
            fail("service did not start: " + ready + "\n" + Files.readString(dir.resolve("service-" + round + ".err")));
        }
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.substring(6).trim()));
    }
}
