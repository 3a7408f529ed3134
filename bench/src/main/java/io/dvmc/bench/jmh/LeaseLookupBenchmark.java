package io.dvmc.bench.jmh;

import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.lease.LookupResult;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The fast path's lease lookup in the host's Chronicle Map store, filled with {@code leases} bound leases and read
 * at random keys (so a large store pays its cache misses). The reference in the same run copies a record into the
 * caller's flyweight and checks it, what a lookup does besides finding the entry.
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
    private static final int KEYS = 1 << 16;

    @Param({"1000", "1000000"})
    public int leases;

    private Path dir;
    private LeaseStore store;
    private final LeaseRecord into = new LeaseRecord();
    private final LeaseRecord copy = new LeaseRecord();
    private final long[] macs = new long[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void fill() throws IOException
    {
        dir = Files.createTempDirectory("dvmc-jmh-leases");
        store = LeaseStore.openWriter(dir.resolve(LeaseStore.FILE), leases * 2L);
        final long now = System.currentTimeMillis();
        final LeaseRecord lease = new LeaseRecord();
        for (int vm = 0; vm < leases; vm++)
        {
            lease.clear().ip(0x0A00_0000 | vm).state(LeaseState.BOUND).vmLeaseSeconds(600).serverId(0x0A00_0001)
                .hostLeaseExpiryMillis(now + 86_400_000L).vmLeaseExpiryMillis(now + 600_000L).updatedMillis(now)
                .vmId(0, vm).optionsVersion(1);
            store.put(DOMAIN, mac(vm), lease);
        }
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < KEYS; i++)
        {
            macs[i] = mac(random.nextInt(leases));
        }
        store.lookup(DOMAIN, macs[0], copy);
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException
    {
        store.close();
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path p : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public LookupResult lookupAtRandom()
    {
        return store.lookup(DOMAIN, macs[next++ & (KEYS - 1)], into);
    }

    /** What a lookup does besides the map: the copy of a record into the caller's flyweight and its check. */
    @Benchmark
    public boolean copyAndCheckReference()
    {
        return into.copyFrom(copy).isValid();
    }

    private static long mac(final int vm)
    {
        return 0x02CC_0000_0000L | vm;
    }
}
