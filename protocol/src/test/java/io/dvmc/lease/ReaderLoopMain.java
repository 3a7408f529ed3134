package io.dvmc.lease;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Child JVM of {@link ReaderKillTest}: the dataplane's side. Looks leases up in a tight loop and obeys commands on
 * stdin: YIELD (close the store, releasing the shared lock), READY (open it again), CHECK n (look sample n up).
 * Counts its lookups in the {@link SharedCounter} file given as third argument.
 */
public final class ReaderLoopMain
{
    private ReaderLoopMain()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        final Path file = Path.of(args[0]);
        final int keys = Integer.parseInt(args[1]);
        final SharedCounter progress = SharedCounter.open(Path.of(args[2]));
        final ConcurrentLinkedQueue<String> commands = new ConcurrentLinkedQueue<>();
        Thread.ofPlatform().daemon().start(() -> readCommands(commands));
        LeaseStore store = LeaseStore.openReader(file);
        out.println("ready");
        final LeaseRecord lease = new LeaseRecord();
        long lookups = 0;
        long busy = 0;
        while (true)
        {
            final String command = commands.poll();
            if (command != null)
            {
                if (command.equals("YIELD"))
                {
                    store.close();
                    store = null;
                    out.println("yielded");
                }
                else if (command.equals("READY"))
                {
                    store = LeaseStore.openReader(file);
                    out.println("reopened");
                }
                else if (command.startsWith("CHECK "))
                {
                    final long n = Long.parseLong(command.substring(6));
                    final LookupResult r = store.lookup(Samples.domainOf(n, keys), Samples.macOf(n, keys), lease);
                    out.println("check " + n + " " + r + " " + (r == LookupResult.FOUND ? lease.updatedMillis() : -1));
                }
                else if (command.equals("EXIT"))
                {
                    if (store != null)
                    {
                        store.close();
                    }
                    out.println("bye");
                    return;
                }
            }
            if (store == null)
            {
                Thread.onSpinWait();
                continue;
            }
            if (store.lookup(Samples.domainOf(lookups, keys), Samples.macOf(lookups, keys), lease) == LookupResult.BUSY)
            {
                busy++;
            }
            progress.set(++lookups);
            if (lookups == 10_000)
            {
                out.println("reading busy=" + busy);
            }
        }
    }

    private static void readCommands(final ConcurrentLinkedQueue<String> commands)
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                commands.add(line.trim());
            }
        }
        catch (final IOException ignored)
        {
            // parent gone
        }
    }
}
