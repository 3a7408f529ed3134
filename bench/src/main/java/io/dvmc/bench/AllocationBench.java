package io.dvmc.bench;

import io.dvmc.config.IdleStrategies;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.exchange.KeyRing;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.service.DvmcService;
import io.dvmc.service.EtcdLeaseLog;
import org.agrona.CloseHelper;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * New allocations per second through dvmc services: a full DISCOVER + REQUEST per MAC, many MACs in flight, spread
 * over the replicas as agents spread their hosts. One figure per run:
 *
 * <pre>
 *   AllocationBench journal &lt;macs&gt;                      one service, file journal (the embedded default)
 *   AllocationBench etcd &lt;macs&gt; &lt;replicas&gt; &lt;endpoints&gt;  replicas sharing their leases in etcd
 * </pre>
 *
 * Prints {@code RESULT <label> <allocations/s> acked=<n> failed=<n> cpu-us-per-op this-process=<µs> etcd=<µs>}
 * (failed: a NAK or no answer after 5 tries; etcd: CPU of the members named by {@code -Ddvmc.bench.pids}).
 */
public final class AllocationBench
{
    private static final byte[] KEY = "allocation bench cluster key 32b".getBytes();
    /** Exchanges in flight per replica: about what the kernel's default socket buffer holds. */
    private static final int IN_FLIGHT = Integer.getInteger("dvmc.bench.inflight", 256);
    /**
     * Allocations before the timed ones, from other MACs: the figure is the steady state of services that have
     * run for a while, not their JIT compiling (which took about a third of the process's CPU in a cold run).
     */
    private static final int WARM_UP = Integer.getInteger("dvmc.bench.warmup", 20_000);
    /** Backoff, as the docs advise where the services, etcd and the load share two cores. */
    private static final String IDLE = System.getProperty("dvmc.bench.idle", "backoff");

    private AllocationBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final int macs = Integer.parseInt(args[1]);
        final int replicas = "etcd".equals(mode) ? Integer.parseInt(args[2]) : 1;
        final List<String> endpoints = "etcd".equals(mode) ? Arrays.asList(args[3].split(",")) : List.of();
        // A fresh domain and key prefix per run: an earlier figure's leases in the same etcd neither help nor hinder.
        final int domain = (int)(System.currentTimeMillis() / 1000 % 1_000_000) + 1;

        final Path dir = Files.createTempDirectory("dvmc-allocation-bench");
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": %d, "name": "bench", "subnet": "10.0.0.0/8", "router": "10.0.0.1",
              "pools": [ { "start": "10.1.0.0", "end": "10.4.255.255" } ], "leaseSeconds": 3600,
              "services": [ "127.0.0.1:6767" ] } ] }
            """.formatted(domain));
        final List<DvmcService> services = new ArrayList<>();
        final List<InetSocketAddress> targets = new ArrayList<>();
        final List<EtcdLeaseLog> logs = new ArrayList<>();
        try
        {
            for (int r = 0; r < replicas; r++)
            {
                final EtcdLeaseLog log = "etcd".equals(mode)
                    ? EtcdLeaseLog.open(endpoints, "/dvmc-bench-" + domain, "bench-" + domain + "-" + r, "127.0.0.1:0",
                        Clock.systemUTC(), EtcdLeaseLog.DEFAULT_TTL_SECONDS, EtcdLeaseLog.DEFAULT_TIMEOUT_MS)
                    : null;
                if (log != null)
                {
                    logs.add(log);
                }
                final DvmcService service = new DvmcService(new FilePolicyStore(policy),
                    new InetSocketAddress("127.0.0.1", 0), null, KeyRing.single(KEY), dir.resolve("replica" + r),
                    Clock.systemUTC(), IdleStrategies.of(IDLE), log).start();
                services.add(service);
                targets.add(service.localAddress());
            }
            // Timed from when every replica has read the shared leases and serves.
            final long readyBy = System.nanoTime() + 60_000_000_000L;
            while (logs.stream().anyMatch(l -> l.reloads() == 0) && System.nanoTime() < readyBy)
            {
                Thread.sleep(10);
            }
            if (WARM_UP > 0)
            {
                final Load warmUp = new Load(targets, domain, 0x0300_0000_0000L, WARM_UP, IN_FLIGHT * replicas);
                warmUp.run();
                System.out.printf("warm-up: %d allocations at %.0f/s (not counted)%n", warmUp.acked,
                    warmUp.acked / warmUp.seconds);
            }
            final Load load = new Load(targets, domain, 0x0200_0000_0000L, macs, IN_FLIGHT * replicas);
            final CpuMeter cpu = new CpuMeter("etcd".equals(mode) ? System.getProperty("dvmc.bench.pids") : null,
                "etcd");
            cpu.start();
            load.run();
            final String cpuPerAllocation = cpu.perOperation(load.acked);
            final String label = "journal".equals(mode) ? "journal-1" : "etcd-" + replicas;
            for (final EtcdLeaseLog log : logs)
            {
                System.out.printf("replica %s: %d batches of %.0f writes on average, %d conflicts, %d withheld, " +
                    "%d blocks, %d reloads%n", log.replicaId(), log.syncs(),
                    (double)log.syncedEntries() / Math.max(1, log.syncs()),
                    log.conflicts(), log.uncertain(), log.blockClaims(), log.reloads());
            }
            System.out.printf("RESULT %s %.0f acked=%d failed=%d %s%n", label, load.acked / load.seconds, load.acked,
                load.naks, cpuPerAllocation);
        }
        finally
        {
            CloseHelper.quietCloseAll(services);
        }
    }

    /** The agents' side: a window of exchanges in flight, each MAC to the replica its "host" hashes to. */
    private static final class Load implements DvmcClient.Listener
    {
        private final List<InetSocketAddress> targets;
        private final int domain;
        private final long firstMac;
        private final int macs;
        private final DvmcClient client;
        private final int window;
        private final Long2LongHashMap macByXid;
        private int started;
        private int inFlight;
        long acked;
        long naks;
        double seconds;

        Load(final List<InetSocketAddress> targets, final int domain, final long firstMac, final int macs,
            final int window) throws Exception
        {
            this.targets = targets;
            this.domain = domain;
            this.firstMac = firstMac;
            this.macs = macs;
            this.window = window;
            this.macByXid = new Long2LongHashMap(window * 2, 0.65f, -1);
            client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 7, window,
                new RetryPolicy(5, 1_000, 4_000), new Authenticator(KEY), SystemEpochClock.INSTANCE, this);
        }

        void run()
        {
            final IdleStrategy idle = IdleStrategies.of(IDLE);
            final long start = System.nanoTime();
            final long deadline = start + 120_000_000_000L;
            while (acked + naks < macs && System.nanoTime() - deadline < 0 && (inFlight > 0 || started < macs))
            {
                while (inFlight < window && started < macs)
                {
                    send(DvmcMessageType.DISCOVER, firstMac + started++, 0);
                }
                idle.idle(client.poll());
            }
            seconds = (System.nanoTime() - start) / 1e9;
            client.close();
        }

        public void onReply(final long xid, final DvmcMessage reply)
        {
            final long mac = macByXid.remove(xid);
            inFlight--;
            if (reply.type() == DvmcMessageType.OFFER)
            {
                send(DvmcMessageType.REQUEST, mac, reply.yiaddr());
            }
            else if (reply.type() == DvmcMessageType.ACK && reply.status() == DvmcStatus.ACK)
            {
                acked++;
            }
            else
            {
                naks++;
            }
        }

        public void onTimeout(final long xid)
        {
            macByXid.remove(xid);
            inFlight--;
            naks++;
        }

        private void send(final int type, final long mac, final int address)
        {
            final InetSocketAddress target = targets.get((int)((mac * 0x9E3779B97F4A7C15L) >>> 33) % targets.size());
            final long xid = client.send(type, target, domain, mac, 1, mac, address, 0);
            if (!DvmcClient.isError(xid))
            {
                macByXid.put(xid, mac);
                inFlight++;
            }
        }
    }
}
