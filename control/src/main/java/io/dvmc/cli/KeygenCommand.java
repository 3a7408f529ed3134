package io.dvmc.cli;

import io.dvmc.config.ClusterKeyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Writes a new cluster key (HMAC-SHA256 of DVMC messages) to FILE, mode 0600.")
final class KeygenCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "FILE")
    private Path file;

    public Integer call()
    {
        try
        {
            ClusterKeyFile.generate(file);
            return 0;
        }
        catch (final IOException ex)
        {
            System.err.println("dvmc keygen: " + ex.getMessage());
            return 1;
        }
    }
}
