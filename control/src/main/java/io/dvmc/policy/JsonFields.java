package io.dvmc.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.Addresses;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the fields of one JSON object with messages that say where ("domain 100 (blue): pools[1].start: ...")
 * and remembers which fields were read, so a misspelt field is an error rather than silently ignored.
 */
final class JsonFields
{
    private final JsonNode node;
    private final String where;
    private final Set<String> read = new HashSet<>();

    JsonFields(final JsonNode node, final String where) throws PolicyException
    {
        if (node == null || !node.isObject())
        {
            throw new PolicyException(where + ": expected a JSON object");
        }
        this.node = node;
        this.where = where;
    }

    String where()
    {
        return where;
    }

    boolean has(final String name)
    {
        read.add(name);
        return node.hasNonNull(name);
    }

    JsonNode get(final String name)
    {
        read.add(name);
        return node.get(name);
    }

    String string(final String name, final String defaultValue) throws PolicyException
    {
        final JsonNode v = get(name);
        if (v == null || v.isNull())
        {
            return defaultValue;
        }
        if (!v.isTextual())
        {
            throw error(name, "expected a string");
        }
        return v.asText();
    }

    String requiredString(final String name) throws PolicyException
    {
        final String s = string(name, null);
        if (s == null)
        {
            throw error(name, "required");
        }
        return s;
    }

    long integer(final String name, final long min, final long max, final long defaultValue) throws PolicyException
    {
        final JsonNode v = get(name);
        if (v == null || v.isNull())
        {
            return defaultValue;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber())
        {
            throw error(name, "expected an integer");
        }
        final long value = v.asLong();
        if (value < min || value > max)
        {
            throw error(name, value + " is not in " + min + ".." + max);
        }
        return value;
    }

    boolean bool(final String name, final boolean defaultValue) throws PolicyException
    {
        final JsonNode v = get(name);
        if (v == null || v.isNull())
        {
            return defaultValue;
        }
        if (!v.isBoolean())
        {
            throw error(name, "expected true or false");
        }
        return v.asBoolean();
    }

    long requiredInteger(final String name, final long min, final long max) throws PolicyException
    {
        if (!has(name))
        {
            throw error(name, "required");
        }
        return integer(name, min, max, 0);
    }

    int ipv4(final String name, final int defaultValue) throws PolicyException
    {
        final String s = string(name, null);
        return s == null ? defaultValue : parseIpv4(name, s);
    }

    List<Integer> ipv4List(final String name) throws PolicyException
    {
        final List<String> texts = stringList(name);
        final List<Integer> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++)
        {
            out.add(parseIpv4(name + "[" + i + "]", texts.get(i)));
        }
        return out;
    }

    List<String> stringList(final String name) throws PolicyException
    {
        final List<JsonNode> items = array(name);
        final List<String> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            if (!items.get(i).isTextual())
            {
                throw error(name + "[" + i + "]", "expected a string");
            }
            out.add(items.get(i).asText());
        }
        return out;
    }

    List<JsonNode> array(final String name) throws PolicyException
    {
        final JsonNode v = get(name);
        if (v == null || v.isNull())
        {
            return List.of();
        }
        if (!v.isArray())
        {
            throw error(name, "expected an array");
        }
        final List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    int parseIpv4(final String field, final String text) throws PolicyException
    {
        try
        {
            return Addresses.parseIpv4(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(field, ex.getMessage());
        }
    }

    long parseMac(final String field, final String text) throws PolicyException
    {
        try
        {
            return Addresses.parseMac(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(field, ex.getMessage());
        }
    }

    /** "a.b.c.d/n" → {address, prefix length}. */
    int[] parseCidr(final String field, final String text) throws PolicyException
    {
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            throw error(field, "'" + text + "' is not a.b.c.d/n");
        }
        final int address = parseIpv4(field, text.substring(0, slash));
        final int prefix;
        try
        {
            prefix = Integer.parseInt(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw error(field, "'" + text + "' has no numeric prefix length");
        }
        if (prefix < 0 || prefix > 32)
        {
            throw error(field, "'" + text + "': prefix length must be 0..32");
        }
        return new int[]{address, prefix};
    }

    /** Fails on any field of the object that no one read. */
    void rejectUnknown() throws PolicyException
    {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!read.contains(name))
            {
                throw error(name, "unknown field");
            }
        }
    }

    PolicyException error(final String field, final String message)
    {
        return new PolicyException(where + ": " + field + ": " + message);
    }
}
