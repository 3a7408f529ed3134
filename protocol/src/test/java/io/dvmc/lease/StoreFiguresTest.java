package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints open, recovery, get and put figures measured in fresh JVMs (see the surefire output file of this class);
 * checks only that the runs complete. Timings are for reading, never asserted.
 */
class StoreFiguresTest
{
    @TempDir
    Path dir;

    @Test
    void figures() throws Exception
    {
        final StringBuilder figures = new StringBuilder();
        for (final int entries : new int[]{10_000, 1_000_000})
        {
            try (ForkedJvm child = ForkedJvm.start(StoreFiguresMain.class, dir, dir.toString(),
                Integer.toString(entries)))
            {
                String line;
                while (!(line = child.awaitLine(l -> true, Duration.ofMinutes(5))).equals("done"))
                {
                    figures.append(line).append('\n');
                }
                assertEquals(0, child.await(Duration.ofMinutes(1)));
            }
        }
        System.out.print(figures);
    }
}
