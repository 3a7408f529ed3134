package io.dvmc.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a JSON document into a record, by its components' names and types, strictly: a field that no component
 * names, a value of another type (no string taken for a number; a whole number is a string's digits), a number out of its
 * component's range, a field given twice and anything after the document are each an error that names the field's
 * path, e.g. {@code dataplane.ports[0].name}. An absent field is null, or 0 for a primitive number.
 *
 * <p>Components may be {@code int}, {@code long}, {@code double}, {@code boolean}, their boxes, {@code String},
 * {@code List} of any of these, and records of the same. Jackson's streaming parser only: binding through
 * {@code ObjectMapper} costs a process a quarter of a second on its first use (its introspection of each record and
 * its annotations), and the host configuration is read on the way to every start.
 */
final class RecordJson
{
    private static final JsonFactory FACTORY = JsonFactory.builder()
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    /** A document that is JSON but not the record: the message names the path, the problem and the line. */
    static final class MismatchException extends Exception
    {
        MismatchException(final String message)
        {
            super(message);
        }
    }

    private RecordJson()
    {
    }

    /**
     * @return the record {@code json} holds, or null when the document is JSON's {@code null}.
     * @throws com.fasterxml.jackson.core.JsonProcessingException when {@code json} is not JSON
     * @throws MismatchException when it is JSON but not a {@code type}
     */
    static <T extends Record> T read(final byte[] json, final Class<T> type) throws IOException, MismatchException
    {
        try (JsonParser parser = FACTORY.createParser(json))
        {
            final JsonToken first = parser.nextToken();
            if (first == null)
            {
                throw new MismatchException("empty: expected a JSON object");
            }
            final Object value = value(parser, type, "");
            if (parser.nextToken() != null)
            {
                throw new MismatchException("more after the end of the object, at line " + line(parser));
            }
            return type.cast(value);
        }
    }

    private static Object value(final JsonParser parser, final Type type, final String path)
        throws IOException, MismatchException
    {
        final Class<?> raw = type instanceof ParameterizedType p ? (Class<?>)p.getRawType() : (Class<?>)type;
        final JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL)
        {
            if (raw.isPrimitive())
            {
                throw mismatch(parser, path, "a " + kind(raw) + ", not null");
            }
            return null;
        }
        if (raw.isRecord())
        {
            return record(parser, raw, path);
        }
        if (raw == List.class)
        {
            return list(parser, ((ParameterizedType)type).getActualTypeArguments()[0], path);
        }
        if (raw == String.class)
        {
            // A whole number is taken as its digits: a port given as 9467 rather than "9467".
            expect(parser, path, token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT, raw);
            return parser.getText();
        }
        if (raw == boolean.class || raw == Boolean.class)
        {
            expect(parser, path, token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE, raw);
            return token == JsonToken.VALUE_TRUE;
        }
        if (raw == double.class || raw == Double.class)
        {
            expect(parser, path, token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT, raw);
            return parser.getDoubleValue();
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class)
        {
            expect(parser, path, token == JsonToken.VALUE_NUMBER_INT, raw);
            final JsonParser.NumberType size = parser.getNumberType();
            final boolean isInt = raw == int.class || raw == Integer.class;
            if (size == JsonParser.NumberType.BIG_INTEGER || isInt && size == JsonParser.NumberType.LONG)
            {
                throw mismatch(parser, path, "a " + kind(raw) + ", and " + parser.getText() + " is out of its range");
            }
            return isInt ? (Object)parser.getIntValue() : (Object)parser.getLongValue();
        }
        throw new IllegalStateException(path + ": no JSON reading for " + type);
    }

    private static Object record(final JsonParser parser, final Class<?> type, final String path)
        throws IOException, MismatchException
    {
        expect(parser, path, parser.currentToken() == JsonToken.START_OBJECT, type);
        final RecordComponent[] components = type.getRecordComponents();
        final Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++)
        {
            args[i] = zero(components[i].getType());
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME)
        {
            final String name = parser.currentName();
            final int index = indexOf(components, name);
            final String at = path.isEmpty() ? name : path + "." + name;
            if (index < 0)
            {
                throw new MismatchException(at + ": no such field at line " + line(parser) + " (the fields " +
                    (path.isEmpty() ? "" : "of " + path + " ") + "are " + names(components) + ")");
            }
            parser.nextToken();
            args[index] = value(parser, components[index].getGenericType(), at);
        }
        try
        {
            final Constructor<?> canonical = type.getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            return canonical.newInstance(args);
        }
        catch (final InvocationTargetException ex)
        {
            throw new MismatchException((path.isEmpty() ? "" : path + ": ") + ex.getCause().getMessage());
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("cannot make a " + type.getName(), ex);
        }
    }

    private static List<Object> list(final JsonParser parser, final Type element, final String path)
        throws IOException, MismatchException
    {
        expect(parser, path, parser.currentToken() == JsonToken.START_ARRAY, List.class);
        final List<Object> out = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY)
        {
            out.add(value(parser, element, path + "[" + out.size() + "]"));
        }
        // Null entries are kept (List.copyOf would refuse them): the caller says which list holds one.
        return Collections.unmodifiableList(out);
    }

    private static int indexOf(final RecordComponent[] components, final String name)
    {
        for (int i = 0; i < components.length; i++)
        {
            if (components[i].getName().equals(name))
            {
                return i;
            }
        }
        return -1;
    }

    private static String names(final RecordComponent[] components)
    {
        return Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.joining(", "));
    }

    private static Object zero(final Class<?> type)
    {
        if (type == int.class)
        {
            return 0;
        }
        if (type == long.class)
        {
            return 0L;
        }
        if (type == double.class)
        {
            return 0.0;
        }
        return type == boolean.class ? Boolean.FALSE : null;
    }

    private static void expect(final JsonParser parser, final String path, final boolean condition,
        final Class<?> type) throws IOException, MismatchException
    {
        if (!condition)
        {
            throw mismatch(parser, path, "a " + kind(type) + ", not " + found(parser));
        }
    }

    private static MismatchException mismatch(final JsonParser parser, final String path, final String expected)
        throws IOException
    {
        return new MismatchException((path.isEmpty() ? "the document" : path) + " must be " + expected +
            " (line " + line(parser) + ")");
    }

    private static String kind(final Class<?> type)
    {
        if (type.isRecord())
        {
            return "JSON object";
        }
        if (type == List.class)
        {
            return "JSON array";
        }
        if (type == String.class)
        {
            return "string";
        }
        if (type == boolean.class || type == Boolean.class)
        {
            return "true or false";
        }
        if (type == double.class || type == Double.class)
        {
            return "number";
        }
        return type == int.class || type == Integer.class ? "whole number (32 bits)" : "whole number (64 bits)";
    }

    private static String found(final JsonParser parser) throws IOException
    {
        return switch (parser.currentToken())
        {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + parser.getText() + "\"";
            case VALUE_NULL -> "null";
            default -> parser.getText();
        };
    }

    private static int line(final JsonParser parser)
    {
        return parser.currentLocation().getLineNr();
    }
}
