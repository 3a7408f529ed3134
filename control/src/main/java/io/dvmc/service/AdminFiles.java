package io.dvmc.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How the operator changes the leases of a running service that keeps them in its journal, through its state
 * directory, as {@link QuarantineFiles} lifts a quarantine: {@code dvmc ctl lease} writes {@value #REQUEST} (an id
 * line, a command line, data lines), renamed into place whole; the service's maintenance (once a second, on its own
 * thread, between batches) applies it, journals and syncs the change, removes the request and writes
 * {@value #RESULT} (the id, "ok" or "refused", message lines). The request is applied once: it is removed before the
 * result appears, and a result is only taken for the id the operator wrote. The host agent takes requests about its
 * host leases the same way, in the host's state directory ({@code dvmc ctl host-lease}).
 */
public final class AdminFiles
{
    public static final String REQUEST = "admin.request";
    public static final String RESULT = "admin.result";
    public static final String OK = "ok";
    public static final String REFUSED = "refused";

    /** A request as the service reads it. */
    public record Request(String id, String command, List<String> data)
    {
    }

    /** The service's answer to request {@code id}. */
    public record Result(String id, boolean ok, List<String> lines)
    {
    }

    private AdminFiles()
    {
    }

    /**
     * Writes a request, refused while another waits.
     *
     * @throws IOException if another request is pending, or the directory cannot be written.
     */
    public static void request(final Path stateDir, final String id, final String command, final List<String> data)
        throws IOException
    {
        if (Files.exists(stateDir.resolve(REQUEST)))
        {
            throw new IOException("another lease admin request waits in " + stateDir + " (is the service running?)");
        }
        final List<String> lines = new ArrayList<>(data.size() + 2);
        lines.add(id);
        lines.add(command);
        lines.addAll(data);
        Files.deleteIfExists(stateDir.resolve(RESULT));
        final Path tmp = stateDir.resolve(REQUEST + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(REQUEST), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The result of request {@code id}, or null if the service has not written it yet. */
    public static Result result(final Path stateDir, final String id) throws IOException
    {
        final Path result = stateDir.resolve(RESULT);
        if (!Files.exists(result))
        {
            return null;
        }
        final List<String> lines = Files.readAllLines(result, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !lines.get(0).equals(id))
        {
            return null;
        }
        return new Result(id, OK.equals(lines.get(1)), lines.subList(2, lines.size()));
    }

    /**
     * Waits for the result of request {@code id}.
     *
     * @param who the process that answers, for the message when it does not.
     * @throws IOException if no answer came within {@code timeoutNs}: the request is withdrawn if it was not taken.
     */
    public static Result await(final Path stateDir, final String id, final long timeoutNs, final String who)
        throws IOException
    {
        final long deadline = System.nanoTime() + timeoutNs;
        Result result;
        while ((result = result(stateDir, id)) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                final boolean withdrawn = Files.deleteIfExists(stateDir.resolve(REQUEST));
                throw new IOException("the " + who + " of " + stateDir + " did not answer within " +
                    TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s (is it running?)" +
                    (withdrawn
                        ? ": the request is withdrawn, nothing changed"
                        : ": it took the request late; see its log"));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return result;
    }

    /** Takes the pending request, if any: read and removed. */
    public static Request take(final Path stateDir) throws IOException
    {
        final Path request = stateDir.resolve(REQUEST);
        if (!Files.exists(request))
        {
            return null;
        }
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(request, StandardCharsets.UTF_8);
        }
        finally
        {
            Files.deleteIfExists(request);
        }
        return lines.size() < 2
            ? new Request(lines.isEmpty() ? "" : lines.get(0), "", List.of())
            : new Request(lines.get(0), lines.get(1), lines.subList(2, lines.size()));
    }

    /** Writes the result of a request whole, renamed over any old one. */
    public static void answer(final Path stateDir, final String id, final boolean ok, final List<String> lines)
        throws IOException
    {
        final List<String> out = new ArrayList<>(lines.size() + 2);
        out.add(id);
        out.add(ok ? OK : REFUSED);
        out.addAll(lines);
        final Path tmp = stateDir.resolve(RESULT + ".tmp");
        Files.write(tmp, out, StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(RESULT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
