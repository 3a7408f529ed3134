package io.dvmc.lease;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Child JVM of {@link WriterKillTest}: opens the lease store as the writer (recovering it) and puts sample leases
 * {@code start, start+1, ...} over {@code keys} keys forever, reporting "committed n" after each put returns and
 * counting its puts in the {@link SharedCounter} file given as fourth argument. A fifth argument "beside" opens the
 * store beside a reader that has it open ({@link LeaseStore#openWriterBesideReaders}).
 */
public final class WriterLoopMain
{
    private WriterLoopMain()
    {
    }

    public static void main(final String[] args)
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        final Path file = Path.of(args[0]);
        final long start = Long.parseLong(args[1]);
        final int keys = Integer.parseInt(args[2]);
        final SharedCounter progress = SharedCounter.open(Path.of(args[3]));
        final LeaseStore store;
        if (args.length > 4 && args[4].equals("beside"))
        {
            // Beside a reader that keeps the store open (the agent's restart with no YIELD).
            store = LeaseStore.openWriterBesideReaders(StoreGuard.open(file), 4 * keys, StoreTimeouts.DEFAULTS);
            if (store == null)
            {
                out.println("needs-yield");
                System.exit(3);
            }
        }
        else
        {
            store = LeaseStore.openWriter(file, 4 * keys);
        }
        out.println("ready");
        final LeaseRecord lease = new LeaseRecord();
        for (long n = start;; n++)
        {
            store.put(Samples.domainOf(n, keys), Samples.macOf(n, keys), Samples.lease(n, lease));
            out.println("committed " + n);
            progress.set(n - start + 1);
        }
    }
}
