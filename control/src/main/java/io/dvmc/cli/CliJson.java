package io.dvmc.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/**
 * The one way {@code dvmc} writes JSON: Jackson trees, one document per line on stdout, keys in snake_case (a
 * domain object excepted: it is written as the policy file holds it, so that it can be given back to
 * {@code --file}). The same mapper reads the operator's JSON files, comments allowed, duplicate keys refused.
 */
final class CliJson
{
    static final JsonMapper MAPPER = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .build();

    private CliJson()
    {
    }

    static ObjectNode object()
    {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array()
    {
        return MAPPER.createArrayNode();
    }

    /** {@code node} on one line of stdout. */
    static void print(final JsonNode node)
    {
        try
        {
            System.out.println(MAPPER.writeValueAsString(node));
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
