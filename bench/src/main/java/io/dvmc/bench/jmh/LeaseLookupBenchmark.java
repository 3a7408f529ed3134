package io.dvmc.bench.jmh;

import io.dvmc.dataplane.StoreAccess;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import org.agrona.CloseHelper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fast path's lease lookup, over a real lease store file: the dataplane's (the worker's cache, filled from the
 * store on a miss) beside the store's own lookup (segment lock, copy, checksum), which is what the worker did for
 * every renewal before it kept copies. Keys are taken in turn over {@code leases} VMs of one domain, so a store
 * larger than the cache shows its misses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class LeaseLookupBenchmark
{
    private static final int DOMAIN = 100;
    private static final long FIRST_MAC = 0x02DC_0000_0000L;

    @Param({"1000", "1000000"})
    public int leases;

    private Path dir;
    private LeaseStore writer;
    private DomainStore domains;
    private LeaseStore reader;
    private RingFiles rings;
    private CountersFile counters;
    private StoreAccess access;
    private final LeaseRecord record = new LeaseRecord();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory("dvmc-jmh-leases");
        writer = LeaseStore.openWriter(dir.resolve(LeaseStore.FILE), leases * 2L);
        final long now = System.currentTimeMillis();
        final LeaseRecord lease = new LeaseRecord();
        for (int vm = 0; vm < leases; vm++)
        {
            lease.clear().ip(0x0A00_0000 + vm).state(LeaseState.BOUND).vmLeaseSeconds(600)
                .hostLeaseExpiryMillis(now + 86_400_000L).vmLeaseExpiryMillis(now + 600_000L).vmId(0, vm).seal();
            writer.put(DOMAIN, FIRST_MAC + vm, lease);
        }
        // The worker opens both stores.
        domains = DomainStore.openWriter(dir.resolve(StoreAccess.DOMAINS_FILE), 16);
        reader = LeaseStore.openReader(dir.resolve(LeaseStore.FILE));
        rings = RingFiles.open(dir, 64 * 1024);
        counters = CountersFile.create(dir.resolve("counters.dat"), 8);
        access = new StoreAccess(dir, counters.newCounter("store_handovers", "hand-overs", CounterTypes.DATAPLANE));
        access.onReady();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!access.isOpen())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the stores did not open");
            }
            access.doWork(rings.toAgent());
            LockSupport.parkNanos(1_000_000);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        CloseHelper.quietCloseAll(access, reader, domains, writer, rings, counters);
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path p : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }

    private long nextMac()
    {
        final int vm = next;
        next = vm + 1 == leases ? 0 : vm + 1;
        return FIRST_MAC + vm;
    }

    /** The worker's lookup: its cache, the store on a miss. */
    @Benchmark
    public int workerLookup()
    {
        return access.lease(DOMAIN, nextMac(), record) ? record.ip() : -1;
    }

    /** The store's own lookup (reference): what each renewal cost before the cache. */
    @Benchmark
    public int storeLookupReference()
    {
        return reader.get(DOMAIN, nextMac(), record) ? record.ip() : -1;
    }
}
