package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.JsonTrees;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code dvmc ctl service list}: the live service replicas of the distributed mode, with the blocks they hold. */
@Command(name = "service", mixinStandardHelpOptions = true, description = "Service replicas registered in etcd.",
    subcommands = {ServicesCommand.ListServices.class})
final class ServicesCommand extends CommandGroup
{
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the live replicas (their keys live as long as their etcd lease) and their address blocks.")
    static final class ListServices extends EtcdCommand
    {
        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final Map<String, Integer> blocks = new HashMap<>();
            for (final JsonNode block : values(client, key("blocks/")))
            {
                blocks.merge(block.path("replica").asText(""), 1, Integer::sum);
            }
            final ArrayNode rows = CliJson.array();
            for (final JsonNode s : values(client, key("services/")))
            {
                final ObjectNode row = rows.addObject();
                final String replica = s.path("replica").asText("");
                row.put("replica", replica).put("listen", s.path("listen").asText(""))
                    .put("started_ms", s.path("startedMs").asLong(0))
                    .put("started", Instant.ofEpochMilli(s.path("startedMs").asLong(0)).toString())
                    .put("blocks", blocks.getOrDefault(replica, 0));
            }
            if (json)
            {
                CliJson.print(rows);
                return 0;
            }
            final StringBuilder out = new StringBuilder(
                String.format("%-16s %-21s %-24s %s%n", "REPLICA", "LISTEN", "STARTED", "BLOCKS"));
            for (final JsonNode r : rows)
            {
                out.append(String.format("%-16s %-21s %-24s %d%n", r.get("replica").asText(),
                    r.get("listen").asText(), r.get("started").asText(), r.get("blocks").asInt()));
            }
            System.out.print(out);
            return 0;
        }

        private List<JsonNode> values(final Client client, final String prefix) throws Exception
        {
            final List<JsonNode> out = new ArrayList<>();
            for (final KeyValue kv : getPrefix(client, prefix))
            {
                try
                {
                    out.add(JsonTrees.read(kv.getValue().toString(StandardCharsets.UTF_8)));
                }
                catch (final IOException ex)
                {
                    throw new BadInputException(kv.getKey().toString(StandardCharsets.UTF_8) + ": not JSON");
                }
            }
            return out;
        }
    }
}
