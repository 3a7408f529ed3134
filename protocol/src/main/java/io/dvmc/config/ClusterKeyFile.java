package io.dvmc.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The cluster key that authenticates DVMC messages (HMAC-SHA256, DESIGN §4): 32 random bytes, hex, in a file
 * readable by its owner only. Every agent and service of a cluster holds the same file.
 */
public final class ClusterKeyFile
{
    public static final int KEY_LENGTH = 32;

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

    public static byte[] load(final Path file) throws ConfigException
    {
        final String text;
        try
        {
            text = Files.readString(file).trim();
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(file + ": no such key file (create one with 'dvmc keygen " + file + "')");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": " + ex.getMessage());
        }
        final byte[] key;
        try
        {
            key = HexFormat.of().parseHex(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(file + ": not a hex key");
        }
        if (key.length < 16)
        {
            throw new ConfigException(file + ": key too short (" + key.length + " bytes, at least 16)");
        }
        return key;
    }
}
