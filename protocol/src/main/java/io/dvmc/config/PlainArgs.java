package io.dvmc.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command's arguments in their plain form: each of the given options at most once, {@code --name value} or
 * {@code --name=value}, and flags. Daemons and read-only CLI commands start from it without building picocli's
 * command tree (picocli is compiled for Java 5: the JVM can neither link nor cache its classes ahead of time, and it
 * reads every command's annotations). Anything else (help, an unknown or repeated option, a missing value, a
 * subcommand) is no plain form: the caller hands the arguments to picocli, whose messages and exit codes stay the
 * only ones.
 */
public final class PlainArgs
{
    /** A number as picocli and this read it alike. */
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,8}");

    private final Map<String, String> values;

    private PlainArgs(final Map<String, String> values)
    {
        this.values = values;
    }

    /**
     * @param from the first argument of the command (after its name and its parents').
     * @return the arguments, or null when they are not in the plain form.
     */
    public static PlainArgs parse(final String[] args, final int from, final Set<String> options,
        final Set<String> flags)
    {
        final Map<String, String> values = new HashMap<>();
        for (int i = from; i < args.length; i++)
        {
            final String arg = args[i];
            final int equals = arg.indexOf('=');
            final String name = equals < 0 ? arg : arg.substring(0, equals);
            final String value;
            if (flags.contains(name) && equals < 0)
            {
                value = "";
            }
            else if (!options.contains(name))
            {
                return null;
            }
            else if (equals >= 0)
            {
                value = arg.substring(equals + 1);
            }
            else if (i + 1 < args.length)
            {
                value = args[++i];
            }
            else
            {
                return null;
            }
            if (values.put(name, value) != null ||
                (!flags.contains(name) && (value.isEmpty() || value.startsWith("-"))))
            {
                return null;
            }
        }
        return new PlainArgs(values);
    }

    /** The option's value, or null when it was not given. */
    public String value(final String name)
    {
        return values.get(name);
    }

    public boolean has(final String name)
    {
        return values.containsKey(name);
    }

    /**
     * The option's value as a non-negative number; {@code otherwise} when not given; -1 when it is not a plain
     * decimal number (which picocli must judge).
     */
    public int number(final String name, final int otherwise)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return otherwise;
        }
        return NUMBER.matcher(value).matches() ? Integer.parseInt(value) : -1;
    }
}
