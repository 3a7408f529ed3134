package io.dvmc.config;

import io.dvmc.exchange.KeyRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRingFileTest
{
    private static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path dir;

    @Test
    void aSingleHexLineIsTheClusterWideKeyZero() throws Exception
    {
        final Path file = write("single.key", HEX + "\n");

        final KeyRing ring = ClusterKeyFile.loadRing(file);

        assertEquals(1, ring.keys().size());
        assertEquals(0, ring.signingKeyFor(7).id());
        assertTrue(ring.key(0).isClusterWide());
    }

    @Test
    void aRingNamesEachKeysIdAndHostAndSkipsComments() throws Exception
    {
        final Path file = write("ring.keys", "# service ring\n1 host:7 " + HEX + "\n\n2 host:8 " + HEX +
            "  # host 8\n9 cluster " + HEX + "\n");

        final KeyRing ring = ClusterKeyFile.loadRing(file);

        assertEquals("1 (host:7), 2 (host:8), 9 (cluster)", ring.describe());
        assertTrue(ring.key(1).servesHost(7));
        assertEquals(false, ring.key(1).servesHost(8));
        assertEquals(9, ring.signingKeyFor(7).id());
    }

    @Test
    void keygenAppendsHostKeysAndNeverReusesAnId() throws Exception
    {
        final Path file = dir.resolve("host7.keys");
        ClusterKeyFile.appendKey(file, 1, 7);
        ClusterKeyFile.appendKey(file, 2, 7);

        assertEquals("1 (host:7), 2 (host:7)", ClusterKeyFile.loadRing(file).describe());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        final ConfigException e = assertThrows(ConfigException.class, () -> ClusterKeyFile.appendKey(file, 2, 7));
        assertEquals(file + ": key id 2 exists; a key is never overwritten", e.getMessage());
    }

    @Test
    void aBadLineIsNamedByFileAndLine() throws Exception
    {
        assertRefused("1 host:7 " + HEX + "\n2 rack:3 " + HEX + "\n",
            ":2: scope 'rack:3' is neither cluster nor host:<host id>");
        assertRefused("x cluster " + HEX + "\n", ":1: key id 'x' is not a number");
        assertRefused("70000 cluster " + HEX + "\n", ":1: key id 70000 is outside 0..65535");
        assertRefused("1 cluster " + HEX + "\n1 host:2 " + HEX + "\n", ": key id 1 is given twice");
        assertRefused("1 cluster 00ff\n", ":1: key too short (2 bytes, at least 16)");
        assertRefused("1 cluster\n", ":1: expected '<key id> cluster|host:<host id> <hex key>'");
        assertRefused("# nothing\n", ": no key in the file");
        assertRefused("1 cluster " + "ab".repeat(500) + "\n",
            ":1: key too long (500 bytes, at most 64; 'dvmc keygen' writes keys of 32)");
    }

    @Test
    void aKeyFileOtherUsersMayReadIsRefusedWithTheRemedy() throws Exception
    {
        final Path file = write("open.key", HEX + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        final ConfigException e = assertThrows(ConfigException.class, () -> ClusterKeyFile.loadRing(file));

        assertEquals(file + ": other users may read or change it (mode rw-r--r--); a key file is its owner's " +
            "alone: chmod 600 " + file, e.getMessage());
    }

    @Test
    void aKeyFileThatIsNotUtf8SaysWhereRatherThanTheDecodersInputLength() throws Exception
    {
        final Path file = dir.resolve("latin1.key");
        Files.write(file, new byte[]{'#', ' ', 'c', 'l', (byte)0xE9, '\n'});
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        final ConfigException e = assertThrows(ConfigException.class, () -> ClusterKeyFile.loadRing(file));

        assertEquals(file + ": not UTF-8 text: byte 0xE9 at line 1, byte 5 of the line (save the file as UTF-8)",
            e.getMessage());
    }

    private void assertRefused(final String text, final String suffix) throws IOException
    {
        final Path file = write("bad.keys", text);
        final ConfigException e = assertThrows(ConfigException.class, () -> ClusterKeyFile.loadRing(file));
        assertEquals(file + suffix, e.getMessage());
    }

    private Path write(final String name, final String text) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
