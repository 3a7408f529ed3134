package io.dvmc.bench;

import io.dvmc.config.HostConfig;
import io.dvmc.dataplane.Dataplane;
import io.dvmc.dataplane.StoreAccess;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.port.Eal;
import io.dvmc.port.EthPort;
import io.dvmc.port.MbufBurst;
import io.dvmc.port.MbufPool;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;

import com.sun.management.OperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The dataplane's fast path against the raw receive loop, on the same core and the same vdev: a net_pcap port
 * replaying renewal REQUESTs of VMs whose leases are in the store ({@code infinite_rx=1}).
 *
 * <pre>
 *   FastPathBench raw      TEMPLATE VMS SECONDS   rx burst + bulk free, nothing else: the ceiling
 *   FastPathBench echo     TEMPLATE VMS SECONDS   rx burst + tx burst of the same frames: the I/O the fast path pays
 *   FastPathBench fastpath TEMPLATE VMS SECONDS   the dataplane (worker inline on the poll lcore, busy spin):
 *                                                 classify, binding, lease lookup, ACK built in place, tx
 * </pre>
 * One EAL per process, so each mode is its own JVM; bench/run.sh runs them all and prints the ratios. Each prints
 * one line {@code RESULT <mode> <per second>} and one {@code PER_CPU_SECOND <mode> <per second of process CPU time>}
 * (the fast path's process also runs the store and the counters reader, on a machine of its own near nothing). {@code -Ddvmc.bench.workers=1} runs the worker on a thread of its
 * own beside the poll thread (two cores) instead of inside the poll loop; {@code -Ddvmc.bench.leases=N} fills the store
 * with N leases (the replayed VMs' and others'), to measure the lookup in a large store; {@code -Ddvmc.bench.lanes=N}
 * runs the fast path on N lanes ({@code dataplane.lanes}), each replaying the same renewals on a queue of its own, to
 * measure how it spreads over cores.
 */
public final class FastPathBench
{
    private static final int DOMAIN = 100;
    private static final long SERVER_MAC = 0x02BB_FFFF_0001L;
    private static final int WARMUP_SECONDS = 2;
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
    // The measured window in wall and process CPU time: on a shared machine the rate per CPU second is the figure
    // that does not depend on how much of the core the other processes left.
    private static long windowNanos;
    private static long windowCpuNanos;

    private FastPathBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final byte[] template = Files.readAllBytes(Path.of(args[1]));
        final int vms = Integer.parseInt(args[2]);
        final int seconds = Integer.parseInt(args[3]);
        final Path dir = Files.createTempDirectory("dvmc-bench");
        final Path rx = dir.resolve("renewals.pcap");
        PcapFile.write(rx, RenewalFrames.of(template, vms));
        final String vdev = "net_pcap0,rx_pcap=" + rx + ",infinite_rx=1,tx_pcap=/dev/null";
        final double rate = switch (mode)
        {
            case "raw" -> raw(vdev, seconds, false);
            case "echo" -> raw(vdev, seconds, true);
            case "fastpath" -> fastPath(dir, laneVdev(rx, Integer.getInteger("dvmc.bench.lanes", 1)), vms, seconds);
            default -> throw new IllegalArgumentException("mode: raw, echo or fastpath");
        };
        System.out.printf(Locale.ROOT, "RESULT %s %.0f%n", mode, rate);
        System.out.printf(Locale.ROOT, "PER_CPU_SECOND %s %.0f%n", mode, rate * windowNanos / windowCpuNanos);
        System.exit(0);
    }

    private static double raw(final String vdev, final int seconds, final boolean echo)
    {
        Eal.init(Eal.noHugeArgs(256, vdev));
        final MbufPool pool = MbufPool.create("bench", 8191, 256, MbufPool.DEFAULT_DATA_ROOM, Eal.socketId());
        final EthPort port = EthPort.byName("net_pcap0");
        port.setup(pool, 1024, 1024);
        final MbufBurst burst = new MbufBurst(32);
        final long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
        while (System.nanoTime() - warmEnd < 0)
        {
            pass(port, burst, echo);
        }
        long frames = 0;
        final long cpuStart = OS.getProcessCpuTime();
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long now;
        while ((now = System.nanoTime()) - end < 0)
        {
            frames += pass(port, burst, echo);
        }
        windowCpuNanos = OS.getProcessCpuTime() - cpuStart;
        windowNanos = now - start;
        return frames * 1e9 / (now - start);
    }

    /** One burst: received frames freed, or sent back as they are (the unsent freed); returns frames handled. */
    private static int pass(final EthPort port, final MbufBurst burst, final boolean echo)
    {
        final int n = port.rxBurst(burst);
        if (!echo)
        {
            burst.freeAll(0, n);
            return n;
        }
        final int sent = port.txBurst(burst, 0, n);
        burst.freeAll(sent, n - sent);
        return sent;
    }

    private static double fastPath(final Path dir, final String vdev, final int vms, final int seconds)
        throws Exception
    {
        final Path state = dir.resolve("host");
        Files.createDirectories(state);
        final Path config = dir.resolve("host.json");
        Files.writeString(config, hostJson(vdev, vms));
        Files.writeString(dir.resolve("cluster.key"), "00".repeat(32) + "\n");
        final HostConfig host = HostConfig.load(config);

        // This process stands in for the agent: the only writer of the stores, it fills them and says READY.
        final int stored = Math.max(vms, Integer.getInteger("dvmc.bench.leases", vms));
        try (LeaseStore leases = LeaseStore.openWriter(state.resolve(LeaseStore.FILE), stored * 2L);
            DomainStore domains = DomainStore.openWriter(state.resolve(StoreAccess.DOMAINS_FILE), 16);
            RingFiles rings = RingFiles.open(state))
        {
            fill(leases, domains, vms, stored);
            final Dataplane dataplane = Dataplane.start(host, "busy");
            final UnsafeBuffer ready = new UnsafeBuffer(ByteBuffer.allocateDirect(RingMessages.CONTROL_LENGTH));
            rings.toDataplane().write(RingMessages.STORE_READY, ready, 0, RingMessages.CONTROL_LENGTH);
            try (CountersFile counters = CountersFile.openReader(state.resolve(Dataplane.COUNTERS_FILE)))
            {
                final int acks = counterId(counters, "fast path ACK");
                final int repeats = counterId(counters, "fast path reply to a repeated request");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (counters.reader().getCounterValue(acks) == 0)
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        throw new IllegalStateException("the fast path never answered");
                    }
                    rings.toAgent().read((t, b, i, l) -> {
                    }, 1024);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(WARMUP_SECONDS));
                final long cpuStart = OS.getProcessCpuTime();
                final long startAcks = counters.reader().getCounterValue(acks);
                final long start = System.nanoTime();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
                final long endAcks = counters.reader().getCounterValue(acks);
                final long end = System.nanoTime();
                final long repeated = counters.reader().getCounterValue(repeats);
                System.out.printf(Locale.ROOT, "of the ACKs, to repeated requests: %d of %d%n", repeated,
                    counters.reader().getCounterValue(acks));
                windowCpuNanos = OS.getProcessCpuTime() - cpuStart;
                windowNanos = end - start;
                dataplane.close();
                return (endAcks - startAcks) * 1e9 / (end - start);
            }
        }
    }

    private static int counterId(final CountersFile counters, final String label)
    {
        final int[] found = {-1};
        counters.reader().forEach((value, id, l) -> {
            if (l.equals(label))
            {
                found[0] = id;
            }
        });
        if (found[0] < 0)
        {
            throw new IllegalStateException("no counter '" + label + "'");
        }
        return found[0];
    }

    /** The replayed VMs' leases, then leases of other MACs up to {@code stored}, so the store is as large as asked. */
    private static void fill(final LeaseStore leases, final DomainStore domains, final int vms, final int stored)
    {
        final long now = System.currentTimeMillis();
        final UnsafeBuffer options = new UnsafeBuffer(new byte[256]);
        final OptionWriter writer = new OptionWriter().wrap(options, 0, options.capacity());
        writer.putInt(DhcpOption.SUBNET_MASK, 0xFFFF_0000);
        writer.putInt(DhcpOption.ROUTER, RenewalFrames.SERVER_IP);
        writer.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{0x0A01_0035}, 1);
        writer.putShort(DhcpOption.INTERFACE_MTU, 1450);
        final DomainRecord domain = new DomainRecord().clear()
            .domainId(DOMAIN).version(1).serverIp(RenewalFrames.SERVER_IP).serverMac(SERVER_MAC)
            .subnetMask(0xFFFF_0000).vmLeaseSeconds(600).options(options, 0, writer.length()).updatedMillis(now)
            .seal();
        domains.put(domain);
        final LeaseRecord lease = new LeaseRecord();
        for (int vm = 0; vm < vms; vm++)
        {
            lease.clear().ip(RenewalFrames.ip(vm)).state(LeaseState.BOUND).vmLeaseSeconds(600)
                .serverId(RenewalFrames.SERVER_IP).hostLeaseExpiryMillis(now + 86_400_000L)
                .vmLeaseExpiryMillis(now + 600_000L).updatedMillis(now).vmId(0, vm).optionsVersion(1).seal();
            leases.put(DOMAIN, RenewalFrames.mac(vm), lease);
        }
        for (int other = vms; other < stored; other++)
        {
            lease.clear().ip(0x0B00_0000 | other).state(LeaseState.BOUND).vmLeaseSeconds(600)
                .serverId(RenewalFrames.SERVER_IP).hostLeaseExpiryMillis(now + 86_400_000L)
                .vmLeaseExpiryMillis(now + 600_000L).updatedMillis(now).vmId(1, other).optionsVersion(1).seal();
            leases.put(DOMAIN, 0x02BC_0000_0000L | other, lease);
        }
    }

    /** The replaying port with a queue pair per lane: each rx queue replays the renewals, each tx goes nowhere. */
    private static String laneVdev(final Path rx, final int lanes)
    {
        final StringBuilder vdev = new StringBuilder("net_pcap0,infinite_rx=1");
        for (int lane = 0; lane < lanes; lane++)
        {
            vdev.append(",rx_pcap=").append(rx).append(",tx_pcap=/dev/null");
        }
        return vdev.toString();
    }

    private static String hostJson(final String vdev, final int vms)
    {
        final int lanes = Integer.getInteger("dvmc.bench.lanes", 1);
        final List<String> bindings = new ArrayList<>(vms);
        for (int vm = 0; vm < vms; vm++)
        {
            bindings.add(String.format(Locale.ROOT,
                "{ \"port\": \"p0\", \"vlan\": 0, \"mac\": \"%s\", \"domain\": %d, \"vm\": \"00000000-0000-0000-0000-%012x\" }",
                io.dvmc.config.Addresses.mac(RenewalFrames.mac(vm)), DOMAIN, vm));
        }
        return "{ \"hostId\": 1, \"stateDir\": \"host\", \"keyFile\": \"cluster.key\", \"policyFile\": \"policy.json\"," +
            " \"dataplane\": { \"lcore\": " + Eal.firstAllowedCpu() + ", \"memoryMb\": 256, \"idle\": \"busy\"," +
            " \"workers\": " + Integer.getInteger("dvmc.bench.workers", 0) + ", \"lanes\": " + lanes +
            ", \"extraEal\": [\"--log-level=*:warning\"]," +
            " \"ports\": [ { \"name\": \"p0\", \"device\": \"" + vdev + "\" } ] }," +
            " \"bindings\": [ " + String.join(",\n", bindings) + " ] }\n";
    }
}
