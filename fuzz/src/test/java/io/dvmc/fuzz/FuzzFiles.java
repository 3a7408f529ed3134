package io.dvmc.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch files for the file-reading targets: in memory where the machine has /dev/shm, so a run is not disk-bound. */
public final class FuzzFiles
{
    private FuzzFiles()
    {
    }

    public static Path scratchDir() throws IOException
    {
        final Path shm = Path.of("/dev/shm");
        return Files.createTempDirectory(Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
            "dvmc-fuzz");
    }
}
