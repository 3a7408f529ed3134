package io.dvmc.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Condition waits with a deadline, woken by inotify on the directory whose files the condition reads. */
public final class Waits
{
    /** Re-checks at least this often, for conditions no file change signals (a process exiting). */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private Waits()
    {
    }

    /**
     * Waits until {@code condition} holds, re-checking whenever a file in {@code dir} is created or modified;
     * gives up when the deadline passes or {@code stillRunning} turns false (then one last check decides).
     *
     * @return whether the condition held
     */
    public static boolean until(Path dir, BooleanSupplier condition, Duration timeout, BooleanSupplier stillRunning)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (WatchService watch = FileSystems.getDefault().newWatchService())
        {
            // Registered before the first check, so a change landing in between still wakes us; a rename into the
            // directory is reported as a create.
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true)
            {
                if (condition.getAsBoolean())
                {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return false;
                }
                if (!stillRunning.getAsBoolean())
                {
                    return condition.getAsBoolean();
                }
                var key = watch.poll(Math.min(left, SLICE_NANOS), TimeUnit.NANOSECONDS);
                if (key != null)
                {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted waiting on " + dir, e);
        }
    }
}
