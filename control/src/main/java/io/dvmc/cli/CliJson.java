package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.JsonTrees;

/**
 * The one way {@code dvmc} writes JSON: trees ({@link JsonTrees}), one document per line on stdout, keys in
 * snake_case (a domain object excepted: it is written as the policy file holds it, so that it can be given back to
 * {@code --file}). The operator's JSON files and etcd's values are read with {@link JsonTrees#read}.
 */
final class CliJson
{
    private CliJson()
    {
    }

    static ObjectNode object()
    {
        return JsonTrees.object();
    }

    static ArrayNode array()
    {
        return JsonTrees.array();
    }

    /** {@code node} on one line of stdout. */
    static void print(final JsonNode node)
    {
        System.out.println(JsonTrees.write(node));
    }
}
