package io.dvmc.bench;

import io.dvmc.dataplane.StoreAccess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fast path's answers while the agent restarts: reads a paced {@link RenewalStorm}'s timeline, the windows the
 * bench script marked, and the dataplane's log, and prints per window the renewals sent in it, answered, NAKed and
 * lost, and the longest time between two answers; a restart window also gets the agent's READY and the dataplane's
 * hand-over (its stores closed at the agent's YIELD, open again after its READY), as times after the kill, and the
 * answers per 100 ms around the kill.
 *
 * A gap in the answers while the storm itself sent nothing (its own longest pause between two sends is printed
 * beside it) is the machine's: the storm was kept off the CPU too.
 *
 * <p>{@code RestartGapReport TIMELINE MARKS DATAPLANE_LOG}. MARKS has a line per window, in epoch milliseconds:
 * {@code quiet START END} (no restart) or {@code restart KILL END READY} (the agent killed with SIGKILL at KILL,
 * started again at once, its READY file written at READY); and {@code open AT} for each of the dataplane's "lease
 * stores open" lines, which it prints without a time, as the script saw it reach the log. The YIELD's time is the
 * dataplane's own, from its log line.
 */
public final class RestartGapReport
{
    private static final int BUCKET_MS = 100;
    /** How much of the series before the kill is printed: the steady answers the gap breaks. */
    private static final int SERIES_BEFORE_MS = 500;
    /** And after the later of the stores' reopening and the longest gap's end. */
    private static final int SERIES_AFTER_MS = 500;
    private static final String LEGEND = """
        sent, answered, naks, lost: renewals sent in the window (not answered within 1 s: lost; late: of those,
        answered after it); longest gap: the most time between two answers, by their arrival, and when it began (ms
        after the window's start: the kill); send pause: the storm's own longest time between two sends (a gap as
        long is the machine's, not dvmc's); agent READY: its READY file; stores shut and reopened: the fast path
        closed at the agent's YIELD and open again after its READY, from the dataplane's log (ms after the kill;
        stores shut none: no YIELD, the agent opened the stores beside the dataplane, which kept answering from them
        and swapped in a new mapping after the READY); gap then, pause then: the longest time between two answers
        across that hand-over, and the storm's own longest time between two sends across it
        """;

    private long startEpochMs;
    private int length;
    private int[] sent;
    private int[] answered;
    private int[] naked;
    private int[] lost;
    private int[] late;
    private int[] arrived;
    private final List<Long> yields = new ArrayList<>();
    private final List<Long> opens = new ArrayList<>();

    private RestartGapReport()
    {
    }

    /**
     * One window's sums, by the renewals' send times, its longest time between answers and when that began, and the
     * storm's own longest pause between sends.
     */
    private record Window(String label, long sent, long answered, long naked, long lost, long late, long gapMs,
        long gapStartMs, long sendPauseMs)
    {
        double donePercent()
        {
            return sent == 0 ? 0 : 100.0 * answered / sent;
        }
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length != 3)
        {
            System.err.println("usage: RestartGapReport TIMELINE MARKS DATAPLANE_LOG");
            System.exit(2);
        }
        final RestartGapReport report = new RestartGapReport();
        report.readTimeline(Path.of(args[0]));
        report.readYields(Path.of(args[2]));
        final List<String> marks = Files.readAllLines(Path.of(args[1]));
        for (final String mark : marks)
        {
            if (mark.startsWith("open "))
            {
                report.opens.add(Long.parseLong(mark.substring(5).trim()));
            }
        }
        report.opens.sort(null);
        report.print(marks);
    }

    private void readTimeline(final Path file) throws IOException
    {
        final List<String> lines = Files.readAllLines(file);
        startEpochMs = Long.parseLong(lines.getFirst().split(" ")[2]);
        final String last = lines.getLast();
        length = last.startsWith("#") ? 1 : Integer.parseInt(last.substring(0, last.indexOf(' '))) + 1;
        sent = new int[length];
        answered = new int[length];
        naked = new int[length];
        lost = new int[length];
        late = new int[length];
        arrived = new int[length];
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] f = line.split(" ");
            final int ms = Integer.parseInt(f[0]);
            sent[ms] = Integer.parseInt(f[1]);
            answered[ms] = Integer.parseInt(f[2]);
            naked[ms] = Integer.parseInt(f[3]);
            lost[ms] = Integer.parseInt(f[4]);
            late[ms] = Integer.parseInt(f[5]);
            arrived[ms] = Integer.parseInt(f[6]);
        }
    }

    /** The epoch milliseconds of each YIELD the dataplane logged (its log lines start with an ISO-8601 time). */
    private void readYields(final Path file) throws IOException
    {
        for (final String line : Files.readAllLines(file))
        {
            if (line.contains(StoreAccess.YIELD_LOG))
            {
                yields.add(OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant().toEpochMilli());
            }
        }
    }

    private void print(final List<String> marks)
    {
        final List<Window> quiet = new ArrayList<>();
        final List<Window> restarts = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        long maxGapThen = -1;
        System.out.printf(Locale.ROOT, "%-11s %8s %9s %5s %6s %5s %7s %12s %10s %11s %12s %11s %10s %9s %11s%n",
            "window",
            "sent", "answered", "naks", "lost", "late", "done %", "longest gap", "gap at", "send pause", "agent READY",
            "stores shut", "reopened", "gap then", "pause then");
        for (final String mark : marks)
        {
            final String[] f = mark.trim().split("\\s+");
            if (f[0].equals("quiet"))
            {
                final Window w = window("quiet " + (quiet.size() + 1), Long.parseLong(f[1]), Long.parseLong(f[2]));
                quiet.add(w);
                System.out.println(row(w));
            }
            else if (f[0].equals("restart"))
            {
                final long kill = Long.parseLong(f[1]);
                final long end = Long.parseLong(f[2]);
                final Window w = window("restart " + (restarts.size() + 1), kill, end);
                restarts.add(w);
                final long yield = firstIn(yields, kill, end);
                final long open = firstIn(opens, Math.max(kill, yield), end);
                final boolean handedOver = yield >= 0 && open >= 0;
                final long gapThen = handedOver ? longestGap(arrived, index(yield), index(open) + 1)[0] : -1;
                final long pauseThen = handedOver ? longestGap(sent, index(yield), index(open) + 1)[0] : -1;
                maxGapThen = Math.max(maxGapThen, gapThen);
                System.out.printf(Locale.ROOT, "%s %12s %11s %10s %9s %11s%n", row(w), after(Long.parseLong(f[3]),
                    kill), after(yield, kill), after(open, kill), ms(gapThen), ms(pauseThen));
                notes.add(series(w, kill, end, open));
            }
        }
        System.out.println(row(sum("all quiet", quiet)));
        System.out.printf(Locale.ROOT, "%s %12s %11s %10s %9s%n", row(sum("all restart", restarts)), "", "", "",
            ms(maxGapThen));
        System.out.printf(Locale.ROOT, "%n%s%nanswers per %d ms, from %d ms before each kill:%n", LEGEND, BUCKET_MS,
            SERIES_BEFORE_MS);
        notes.forEach(System.out::println);
    }

    /** The sums of the renewals sent in [from, to) and the longest time between answers across it. */
    private Window window(final String label, final long fromEpochMs, final long toEpochMs)
    {
        final int from = index(fromEpochMs);
        final int to = index(toEpochMs);
        long s = 0;
        long a = 0;
        long n = 0;
        long l = 0;
        long d = 0;
        long pause = 0;
        int lastSend = from;
        for (int i = from; i < to; i++)
        {
            s += sent[i];
            a += answered[i];
            n += naked[i];
            l += lost[i];
            d += late[i];
            if (sent[i] != 0)
            {
                pause = Math.max(pause, i - lastSend);
                lastSend = i;
            }
        }
        final long[] gap = longestGap(arrived, from, to);
        return new Window(label, s, a, n, l, d, gap[0], gap[1] - from, pause);
    }

    /**
     * The most time between two events of a series (answers, sends) whose interval meets [from, to), and the index
     * it began at: from the last event before {@code from} to the first one after {@code to}, so a gap the span cuts
     * is counted whole.
     */
    private long[] longestGap(final int[] events, final int from, final int to)
    {
        int previous = from;
        while (previous > 0 && events[previous] == 0)
        {
            previous--;
        }
        long gap = 0;
        long start = previous;
        for (int i = previous + 1; i < length; i++)
        {
            if (events[i] == 0)
            {
                continue;
            }
            if (i - previous > gap)
            {
                gap = i - previous;
                start = previous;
            }
            previous = i;
            if (i >= to)
            {
                break;
            }
        }
        return new long[]{gap, start};
    }

    private static Window sum(final String label, final List<Window> windows)
    {
        long s = 0;
        long a = 0;
        long n = 0;
        long l = 0;
        long d = 0;
        long gap = 0;
        long pause = 0;
        for (final Window w : windows)
        {
            s += w.sent();
            a += w.answered();
            n += w.naked();
            l += w.lost();
            d += w.late();
            gap = Math.max(gap, w.gapMs());
            pause = Math.max(pause, w.sendPauseMs());
        }
        return new Window(label, s, a, n, l, d, gap, Long.MIN_VALUE, pause);
    }

    private static String row(final Window w)
    {
        return String.format(Locale.ROOT, "%-11s %8d %9d %5d %6d %5d %7.2f %9d ms %10s %8d ms", w.label(), w.sent(),
            w.answered(), w.naked(), w.lost(), w.late(), w.donePercent(), w.gapMs(), w.gapStartMs() == Long.MIN_VALUE
                ? "(max)"
                : String.format(Locale.ROOT, "%+d ms", w.gapStartMs()),
            w.sendPauseMs());
    }

    /** Answers per bucket from before the kill to past the stores' reopening and the longest gap, in the window. */
    private String series(final Window w, final long kill, final long end, final long open)
    {
        final StringBuilder line = new StringBuilder(w.label()).append(':');
        final long last = Math.max(open < 0 ? kill : open, kill + w.gapStartMs() + w.gapMs());
        final long until = Math.min(end, last + SERIES_AFTER_MS);
        for (long t = kill - SERIES_BEFORE_MS; t < until; t += BUCKET_MS)
        {
            if (t == kill)
            {
                line.append(" |");
            }
            int count = 0;
            for (int i = index(t); i < index(t + BUCKET_MS); i++)
            {
                count += arrived[i];
            }
            line.append(' ').append(count);
        }
        return line.toString();
    }

    private int index(final long epochMs)
    {
        return (int)Math.max(0, Math.min(length, epochMs - startEpochMs));
    }

    private static long firstIn(final List<Long> times, final long from, final long to)
    {
        for (final long t : times)
        {
            if (t >= from && t < to)
            {
                return t;
            }
        }
        return -1;
    }

    private static String ms(final long ms)
    {
        return ms < 0 ? "none" : ms + " ms";
    }

    private static String after(final long at, final long kill)
    {
        return at < 0 ? "none" : "+" + (at - kill) + " ms";
    }
}
