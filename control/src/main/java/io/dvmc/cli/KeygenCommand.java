package io.dvmc.cli;

import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.ConfigException;
import io.dvmc.exchange.KeyRing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = {"Writes a new cluster key (HMAC-SHA256 of DVMC messages) to FILE, mode 0600.",
        "With --id, appends a key with that id to the key ring FILE instead: a host's own key with --host, else a " +
            "cluster-wide one. A service's ring holds the keys of every host; a host's ring holds its own."})
final class KeygenCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "FILE")
    private Path file;

    @Option(names = "--id", description = "key id (0..65535) of a key appended to a key ring")
    private Integer id;

    @Option(names = "--host", description = "the host id the appended key belongs to")
    private Integer host;

    public Integer call()
    {
        try
        {
            if (id == null)
            {
                if (host != null)
                {
                    System.err.println("dvmc keygen: --host needs --id");
                    return 2;
                }
                ClusterKeyFile.generate(file);
            }
            else
            {
                ClusterKeyFile.appendKey(file, id, host == null ? KeyRing.ANY_HOST : host);
            }
            return 0;
        }
        catch (final IOException | ConfigException | IllegalArgumentException ex)
        {
            System.err.println("dvmc keygen: " + ex.getMessage());
            return 1;
        }
    }
}
