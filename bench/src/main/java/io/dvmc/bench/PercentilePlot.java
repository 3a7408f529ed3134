package io.dvmc.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Locale;
import java.util.Map;

/**
 * A latency-by-percentile plot in SVG, one line per histogram, on the axis HdrHistogram's own plots use: the
 * percentile on a log scale of 1 / (1 - p), so the tail from p90 to p99.99 gets as much width as the body.
 */
final class PercentilePlot
{
    private static final int WIDTH = 760;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;
    private static final double MAX_NINES = 5; // p99.999
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

    private PercentilePlot()
    {
    }

    /** @param histograms label to histogram of microseconds, in legend order */
    static String svg(final String title, final Map<String, Histogram> histograms)
    {
        long maxMicros = 1;
        double nines = 1;
        for (final Histogram h : histograms.values())
        {
            if (h.getTotalCount() > 0)
            {
                maxMicros = Math.max(maxMicros, h.getMaxValue());
                nines = Math.max(nines, Math.min(MAX_NINES, Math.log10(h.getTotalCount())));
            }
        }
        final double yMax = niceCeiling(maxMicros / 1000.0);
        final double xNines = Math.ceil(nines);
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
            "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(
            String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        for (int n = 0; n <= xNines; n++)
        {
            final double x = x(n, xNines);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP, x, HEIGHT - BOTTOM));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
                HEIGHT - BOTTOM + 16, percentileLabel(n)));
        }
        for (int i = 0; i <= 5; i++)
        {
            final double ms = yMax * i / 5;
            final double y = y(ms, yMax);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, WIDTH - RIGHT, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                LEFT - 6, y + 4, trim(ms)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
            (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 12));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" " + "text-anchor=\"middle\">latency (ms)</text>%n",
            (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2));
        int line = 0;
        for (final Map.Entry<String, Histogram> e : histograms.entrySet())
        {
            final String colour = COLOURS[line % COLOURS.length];
            final StringBuilder points = new StringBuilder();
            if (e.getValue().getTotalCount() > 0)
            {
                for (final HistogramIterationValue v : e.getValue().percentiles(5))
                {
                    final double p = Math.min(v.getPercentileLevelIteratedTo() / 100.0, 1 - Math.pow(10, -xNines));
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(-Math.log10(1 - p), xNines),
                        y(v.getValueIteratedTo() / 1000.0, yMax)));
                }
            }
            svg.append(String.format(Locale.ROOT,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", colour,
                points.toString().trim()));
            final int ly = TOP + 10 + 18 * line;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                WIDTH - RIGHT + 12, ly, WIDTH - RIGHT + 32, ly, colour));
            svg.append(
                String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s (%d)</text>%n", WIDTH - RIGHT + 38, ly + 4,
                    escape(e.getKey()), e.getValue().getTotalCount()));
            line++;
        }
        return svg.append("</svg>\n").toString();
    }

    private static double x(final double nines, final double xNines)
    {
        return LEFT + (WIDTH - LEFT - RIGHT) * nines / xNines;
    }

    private static double y(final double ms, final double yMax)
    {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * ms / yMax;
    }

    private static String percentileLabel(final int nines)
    {
        return switch (nines)
        {
            case 0 -> "0%";
            case 1 -> "90%";
            case 2 -> "99%";
            default -> "99." + "9".repeat(nines - 2) + "%";
        };
    }

    /** 1, 2 or 5 times a power of ten, at or above {@code value}. */
    private static double niceCeiling(final double value)
    {
        final double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (final double step : new double[]{1, 2, 5, 10})
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String trim(final double ms)
    {
        return ms == Math.rint(ms) ? Long.toString((long)ms) : String.format(Locale.ROOT, "%.2f", ms);
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
