package io.dvmc.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.JsonSyntax;
import io.dvmc.config.JsonTrees;
import io.dvmc.config.TextFiles;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.dvmc.policy.EtcdPrefixRead;
import io.dvmc.policy.PolicyException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@code dvmc ctl} command of the distributed mode: it talks to etcd with a deadline on every call, prints a
 * human table or, with {@code --json}, JSON, and turns every failure into one line on stderr and an exit code:
 * {@link #BAD_INPUT} for input that is wrong (unknown domain, invalid domain, malformed MAC, ...),
 * {@link #CONFLICT} for a write refused because its key changed since it was read, {@link #UNAVAILABLE} for an etcd
 * that does not answer in time.
 */
abstract class EtcdCommand implements Callable<Integer>
{
    static final int UNAVAILABLE = 1;
    static final int BAD_INPUT = 2;
    static final int CONFLICT = 3;

    /**
     * gRPC logs through java.util.logging on stderr (e.g. an INFO line on its first use): an operator gets one line
     * per failure and nothing else. Held here so that the configured loggers are not collected.
     */
    private static final List<Logger> QUIET = List.of(Logger.getLogger("io.grpc"), Logger.getLogger("io.netty"));

    static
    {
        QUIET.forEach(l -> l.setLevel(Level.SEVERE));
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--etcd", split = ",", defaultValue = "http://127.0.0.1:2379",
        description = "etcd client URLs, comma-separated (default: ${DEFAULT-VALUE})")
    String[] endpoints;

    @Option(names = "--etcd-prefix", defaultValue = "/dvmc", description = "key prefix (default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--etcd-timeout-ms", defaultValue = "5000",
        description = "deadline of each etcd call in ms (default: ${DEFAULT-VALUE})")
    long timeoutMs;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    /** Input the command itself finds wrong, before or after asking etcd. */
    static final class BadInputException extends Exception
    {
        BadInputException(final String message)
        {
            super(message);
        }
    }

    /** The command's work, on a connected client. */
    abstract int run(Client client, EtcdPolicyAdmin admin) throws Exception;

    public final Integer call()
    {
        final Duration deadline = deadline();
        final Client client;
        try
        {
            client = Client.builder()
                .endpoints(Arrays.stream(endpoints).map(String::trim).map(URI::create).toArray(URI[]::new))
                .connectTimeout(deadline)
                .build();
        }
        catch (final IllegalArgumentException ex)
        {
            return fail(BAD_INPUT, "--etcd: " + ex.getMessage());
        }
        try
        {
            return run(client, new EtcdPolicyAdmin(client, prefix, deadline));
        }
        catch (final PolicyException | BadInputException ex)
        {
            return fail(BAD_INPUT, ex.getMessage());
        }
        catch (final EtcdPolicyAdmin.ConflictException ex)
        {
            return fail(CONFLICT, ex.getMessage());
        }
        catch (final EtcdPolicyAdmin.UnavailableException ex)
        {
            return fail(UNAVAILABLE, "etcd " + String.join(",", endpoints) + " unavailable: " + ex.getMessage());
        }
        catch (final Exception ex)
        {
            return fail(UNAVAILABLE, ex.toString());
        }
        finally
        {
            client.close();
        }
    }

    Duration deadline()
    {
        return Duration.ofMillis(Math.max(1, timeoutMs));
    }

    String key(final String relative)
    {
        return (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + "/" + relative;
    }

    /** Every key under {@code keyPrefix}, read within the deadline. */
    List<KeyValue> getPrefix(final Client client, final String keyPrefix) throws EtcdPolicyAdmin.UnavailableException
    {
        return EtcdPolicyAdmin.await(EtcdPrefixRead.of(client.getKVClient(), keyPrefix, 0), deadline()).kvs();
    }

    static ByteSequence bytes(final String text)
    {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** A JSON file the operator named (comments allowed), or a BadInputException that says what is wrong with it. */
    static JsonNode readJson(final Path file) throws BadInputException
    {
        try
        {
            return JsonTrees.read(TextFiles.readUtf8(file));
        }
        catch (final JsonProcessingException ex)
        {
            throw new BadInputException(file + ": " + JsonSyntax.describe(ex));
        }
        catch (final NoSuchFileException ex)
        {
            throw new BadInputException(file + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new BadInputException(file + ": " + ex.getMessage());
        }
    }

    private int fail(final int exit, final String message)
    {
        System.err.println(spec.qualifiedName() + ": " + message);
        return exit;
    }
}
