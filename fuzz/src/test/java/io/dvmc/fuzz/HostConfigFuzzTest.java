package io.dvmc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * HostConfig.load reads whatever an operator wrote: a host config, or a ConfigException saying what is wrong.
 * Nothing else may escape (a NullPointerException from a null list element, a ClassCastException, ...).
 */
class HostConfigFuzzTest
{
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException
    {
        file = Files.createTempFile(FuzzFiles.scratchDir(), "host", ".json");
    }

    @AfterAll
    static void deleteFile() throws IOException
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }

    @FuzzTest
    void anyHostConfigLoadsOrFailsWithAConfigException(final byte[] text) throws IOException
    {
        Files.write(file, text);
        try
        {
            final HostConfig config = HostConfig.load(file);
            assertNotNull(config.statePath());
            config.agentListen();
            config.forwardIndex();
            config.portIndex();
        }
        catch (final ConfigException expected)
        {
            assertNotNull(expected.getMessage());
        }
    }
}
