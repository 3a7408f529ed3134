package io.dvmc.config;

import io.dvmc.exchange.KeyRing;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The keys that authenticate DVMC messages (HMAC-SHA256, DESIGN §4), in a file readable by its owner only. Two
 * forms:
 * <ul>
 *   <li>one line of hex: a single cluster-wide key (id 0), the same file on every agent and service;</li>
 *   <li>a key ring, one key per line, {@code <id> <scope> <hex>}, where scope is {@code cluster} or
 *   {@code host:<host id>}; {@code #} starts a comment. A service holds the keys of all its hosts; each host holds
 *   its own, and signs with the highest id it has, so adding a newer key to the service, then to the host,
 *   then removing the old one rotates a host's key without touching any other host.</li>
 * </ul>
 */
public final class ClusterKeyFile
{
    public static final int KEY_LENGTH = 32;
    public static final int MIN_KEY_LENGTH = 16;
    /** HMAC-SHA256's block (RFC 2104 §3): a longer key is hashed down to 32 bytes, so it is no stronger. */
    public static final int MAX_KEY_LENGTH = 64;
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.complementOf(EnumSet.of(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private ClusterKeyFile()
    {
    }

    public static void generate(final Path file) throws IOException
    {
        final byte[] key = new byte[KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        final Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new IOException(file + " exists; a cluster key is never overwritten", ex);
        }
        Files.writeString(file, HexFormat.of().formatHex(key) + "\n");
    }

    /** Loads the file in either form as a {@link KeyRing}. */
    public static KeyRing loadRing(final Path file) throws ConfigException
    {
        final String text = read(file);
        final List<KeyRing.Key> keys = new ArrayList<>();
        int lineNumber = 0;
        for (final String raw : text.split("\n"))
        {
            lineNumber++;
            final int hash = raw.indexOf('#');
            final String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty())
            {
                continue;
            }
            final String[] fields = line.split("\\s+");
            final String where = file + ":" + lineNumber + ": ";
            if (fields.length == 1)
            {
                keys.add(new KeyRing.Key(0, KeyRing.ANY_HOST, parseKey(where, fields[0])));
                continue;
            }
            if (fields.length != 3)
            {
                throw new ConfigException(where + "expected '<key id> cluster|host:<host id> <hex key>'");
            }
            final int id;
            try
            {
                id = Integer.parseInt(fields[0]);
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException(where + "key id '" + fields[0] + "' is not a number");
            }
            if (id < 0 || id > KeyRing.MAX_KEY_ID)
            {
                throw new ConfigException(where + "key id " + id + " is outside 0.." + KeyRing.MAX_KEY_ID);
            }
            final int host;
            if ("cluster".equals(fields[1]))
            {
                host = KeyRing.ANY_HOST;
            }
            else if (fields[1].startsWith("host:"))
            {
                try
                {
                    host = Integer.parseUnsignedInt(fields[1].substring(5));
                }
                catch (final NumberFormatException ex)
                {
                    throw new ConfigException(where + "'" + fields[1] + "' is not host:<host id>");
                }
            }
            else
            {
                throw new ConfigException(where + "scope '" + fields[1] + "' is neither cluster nor host:<host id>");
            }
            keys.add(new KeyRing.Key(id, host, parseKey(where, fields[2])));
        }
        if (keys.isEmpty())
        {
            throw new ConfigException(file + ": no key in the file");
        }
        try
        {
            return new KeyRing(keys);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(file + ": " + ex.getMessage());
        }
    }

    /** Appends a new random key to a ring file, created readable by its owner only if absent. */
    public static void appendKey(final Path file, final int id, final int hostId) throws IOException, ConfigException
    {
        if (Files.exists(file))
        {
            final KeyRing ring = loadRing(file);
            if (ring.key(id) != null)
            {
                throw new ConfigException(file + ": key id " + id + " exists; a key is never overwritten");
            }
        }
        else
        {
            final Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        final byte[] key = new byte[KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        final String scope = hostId == KeyRing.ANY_HOST ? "cluster" : "host:" + Integer.toUnsignedString(hostId);
        Files.writeString(file, id + " " + scope + " " + HexFormat.of().formatHex(key) + "\n",
            StandardOpenOption.APPEND);
    }

    private static String read(final Path file) throws ConfigException
    {
        try
        {
            final Set<PosixFilePermission> shared = EnumSet.copyOf(Files.getPosixFilePermissions(file));
            shared.retainAll(NOT_OWNER);
            if (!shared.isEmpty())
            {
                throw new ConfigException(file + ": other users may read or change it (mode " +
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) +
                    "); a key file is its owner's alone: chmod 600 " + file);
            }
            return TextFiles.readUtf8(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(file + ": no such key file (create one with 'dvmc keygen " + file + "')");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": " + ex.getMessage());
        }
    }

    private static byte[] parseKey(final String where, final String hex) throws ConfigException
    {
        final byte[] key;
        try
        {
            key = HexFormat.of().parseHex(hex);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(where + "not a hex key");
        }
        if (key.length < MIN_KEY_LENGTH)
        {
            throw new ConfigException(where + "key too short (" + key.length + " bytes, at least " + MIN_KEY_LENGTH +
                ")");
        }
        if (key.length > MAX_KEY_LENGTH)
        {
            throw new ConfigException(where + "key too long (" + key.length + " bytes, at most " + MAX_KEY_LENGTH +
                "; 'dvmc keygen' writes keys of " + KEY_LENGTH + ")");
        }
        return key;
    }
}
