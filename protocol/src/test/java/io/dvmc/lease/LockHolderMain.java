package io.dvmc.lease;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** Child JVM of {@link StoreGuardTest}: holds a lock of a store's guard until stdin closes or it is killed. */
public final class LockHolderMain
{
    private LockHolderMain()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        try (StoreGuard guard = StoreGuard.open(Path.of(args[0])))
        {
            switch (args[1])
            {
                case "shared" -> guard.acquireShared(Duration.ofSeconds(30));
                case "writer" -> guard.acquireWriter(Duration.ofSeconds(30));
                case "exclusive" -> {
                    guard.acquireWriter(Duration.ofSeconds(30));
                    guard.acquireExclusive(Duration.ofSeconds(30));
                }
                default -> throw new IllegalArgumentException(args[1]);
            }
            out.println("held");
            while (System.in.read() >= 0)
            {
                // hold until the parent closes our stdin
            }
        }
        out.println("released");
    }
}
