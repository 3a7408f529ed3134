package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** The directory a client script drops one file per event into (written aside, then renamed: never half read). */
final class EventDir
{
    private final Path dir;

    EventDir(Path dir)
    {
        this.dir = dir;
    }

    Path path()
    {
        return dir;
    }

    /** All complete events so far, oldest first. */
    List<ClientEvent> events()
    {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.ev"))
        {
            ds.forEach(files::add);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        files.sort(null);
        List<ClientEvent> out = new ArrayList<>();
        for (Path f : files)
        {
            try
            {
                out.add(ClientEvent.read(f));
            }
            catch (IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * Waits until an event matching {@code match} is recorded or the deadline passes; stops early once
     * {@code stillRunning} turns false (nobody left to record one).
     */
    Optional<ClientEvent> await(Predicate<ClientEvent> match, Duration timeout, BooleanSupplier stillRunning)
    {
        Waits.until(dir, () -> events().stream().anyMatch(match), timeout, stillRunning);
        return events().stream().filter(match).findFirst();
    }
}
