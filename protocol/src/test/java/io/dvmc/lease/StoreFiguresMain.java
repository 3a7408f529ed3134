package io.dvmc.lease;

import com.sun.management.ThreadMXBean;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM of {@link StoreFiguresTest}: open, recovery and lookup figures of the lease store in a fresh JVM (so
 * that the first open pays class loading, as a restarted dataplane or agent does). Prints, asserts nothing.
 */
public final class StoreFiguresMain
{
    private StoreFiguresMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        final Path dir = Path.of(args[0]);
        final int entries = Integer.parseInt(args[1]);
        final Path file = dir.resolve("leases-" + entries);
        final LeaseRecord record = new LeaseRecord();

        long t = System.nanoTime();
        LeaseStore writer = LeaseStore.openWriter(file, entries);
        out.printf("entries=%d first open in this JVM (create): %.0f ms, file %d MiB%n", entries, ms(t),
            Files.size(file) >> 20);
        t = System.nanoTime();
        for (int n = 0; n < entries; n++)
        {
            writer.put(Samples.domainOf(n, entries), Samples.macOf(n, entries), Samples.lease(n, record));
        }
        out.printf("entries=%d fill: %.0f ns/put (inserts, cold JIT)%n", entries, ns(t, entries));
        writer.close();

        t = System.nanoTime();
        writer = LeaseStore.openWriter(file, entries);
        out.printf("entries=%d writer reopen after a clean close (map + lock probe, no recovery): %.0f ms%n",
            entries, ms(t));
        t = System.nanoTime();
        writer.recover(Duration.ofSeconds(60));
        out.printf("entries=%d recovery cycle (unmap, Chronicle recoverPersistedTo, purge scan, map): %.0f ms%n",
            entries, ms(t));
        t = System.nanoTime();
        final LeaseStore reader = LeaseStore.openReader(file);
        out.printf("entries=%d reader open, warm JVM: %.0f ms%n", entries, ms(t));

        final int ops = Math.max(entries, 1_000_000);
        for (int round = 0; round < 3; round++)
        {
            t = System.nanoTime();
            for (int i = 0; i < ops; i++)
            {
                final int n = i % entries;
                writer.put(Samples.domainOf(n, entries), Samples.macOf(n, entries), record);
            }
            final double put = ns(t, ops);
            final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long before = threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
            t = System.nanoTime();
            long found = 0;
            for (int i = 0; i < ops; i++)
            {
                final int n = (int)((i * 2_654_435_761L) % entries);
                if (reader.get(Samples.domainOf(n, entries), Samples.macOf(n, entries), record))
                {
                    found++;
                }
            }
            final double get = ns(t, ops);
            final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before;
            out.printf("entries=%d round %d: put %.0f ns/op (replace), get %.0f ns/op, found %d/%d, " +
                "allocated %d bytes over %d gets%n", entries, round, put, get, found, ops, allocated, ops);
        }
        reader.close();
        writer.close();
        out.println("done");
    }

    private static double ms(final long start)
    {
        return (System.nanoTime() - start) / 1e6;
    }

    private static double ns(final long start, final long ops)
    {
        return (System.nanoTime() - start) / (double)ops;
    }
}
