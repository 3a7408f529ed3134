package io.dvmc.cli;

import io.dvmc.lease.StoreReaderProcess;

/**
 * The CLI's ahead-of-time cache training (deploy/aot-train.sh): each read-only command once in one JVM, so that the
 * cache holds the classes of them all. A class the cache lacks is looked up in the jars of the class path in turn,
 * and one of the last jars costs the opening of nearly all of them.
 */
final class CliTraining
{
    private CliTraining()
    {
    }

    /** {@code args}: the host config file. */
    public static void main(final String[] args)
    {
        StoreReaderProcess.declare();
        final String host = args[0];
        Dvmc.execute("--version");
        for (final String command : new String[]{"stat", "leases", "domains", "bindings"})
        {
            Dvmc.execute("ctl", command, "--config", host);
            Dvmc.execute("ctl", command, "--json", "--config", host);
        }
        // Ends as the commands do (Dvmc.main): System.exit's logger look-up would only add classes they never load.
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
