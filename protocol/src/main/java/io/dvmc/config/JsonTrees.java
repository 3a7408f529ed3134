package io.dvmc.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The JSON trees of the policy, etcd values and the CLI, read and written with Jackson's streaming parser and
 * generator only: an {@code ObjectMapper} costs a process about 0.1 s to build on its first use, which every agent
 * start and every {@code dvmc ctl} call paid. Reading allows comments and refuses a key given twice and anything
 * after the value; numbers are kept as written (int, long or big integer; floating point as double).
 */
public final class JsonTrees
{
    private static final JsonFactory FACTORY = JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees()
    {
    }

    /**
     * @return the tree of {@code json}, or a missing node when it holds no value.
     * @throws JsonProcessingException when it is not JSON, gives a key twice, or holds more than one value
     */
    public static JsonNode read(final String json) throws JsonProcessingException
    {
        try (JsonParser parser = FACTORY.createParser(json))
        {
            if (parser.nextToken() == null)
            {
                return MissingNode.getInstance();
            }
            final JsonNode tree = value(parser);
            if (parser.nextToken() != null)
            {
                throw new JsonParseException(parser, "more after the end of the value");
            }
            return tree;
        }
        catch (final JsonProcessingException ex)
        {
            throw ex;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public static ObjectNode object()
    {
        return NODES.objectNode();
    }

    public static ArrayNode array()
    {
        return NODES.arrayNode();
    }

    /** {@code tree} as compact JSON on one line. */
    public static String write(final JsonNode tree)
    {
        final StringWriter text = new StringWriter();
        try (JsonGenerator out = FACTORY.createGenerator(text))
        {
            write(out, tree);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return text.toString();
    }

    private static JsonNode value(final JsonParser parser) throws IOException
    {
        return switch (parser.currentToken())
        {
            case START_OBJECT -> {
                final ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME)
                {
                    final String name = parser.currentName();
                    parser.nextToken();
                    object.set(name, value(parser));
                }
                yield object;
            }
            case START_ARRAY -> {
                final ArrayNode array = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY)
                {
                    array.add(value(parser));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType())
            {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(parser, "unexpected " + parser.currentToken());
        };
    }

    private static void write(final JsonGenerator out, final JsonNode node) throws IOException
    {
        switch (node.getNodeType())
        {
            case OBJECT -> {
                out.writeStartObject();
                for (final Map.Entry<String, JsonNode> field : node.properties())
                {
                    out.writeFieldName(field.getKey());
                    write(out, field.getValue());
                }
                out.writeEndObject();
            }
            case ARRAY -> {
                out.writeStartArray();
                for (final JsonNode element : node)
                {
                    write(out, element);
                }
                out.writeEndArray();
            }
            case NUMBER -> {
                switch (node.numberType())
                {
                    case INT -> out.writeNumber(node.intValue());
                    case LONG -> out.writeNumber(node.longValue());
                    case BIG_INTEGER -> out.writeNumber(node.bigIntegerValue());
                    case BIG_DECIMAL -> out.writeNumber(node.decimalValue());
                    default -> out.writeNumber(node.doubleValue());
                }
            }
            case BOOLEAN -> out.writeBoolean(node.booleanValue());
            case NULL, MISSING -> out.writeNull();
            default -> out.writeString(node.asText());
        }
    }
}
