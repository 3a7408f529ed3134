package io.dvmc.port;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed EAL init in a container without /sys/module says so (seen under systemd-nspawn). */
class EalHintTest
{
    @TempDir
    Path dir;

    @Test
    void eagainWithoutSysModuleNamesTheMissingDirectoryAndTheRemedy()
    {
        final String hint = Eal.hint(11, dir.resolve("module"));
        assertTrue(hint.contains(dir.resolve("module") + " is missing"), hint);
        assertTrue(hint.contains("--bind-ro=/sys/module"), hint);
    }

    @Test
    void noHintWhenTheDirectoryIsThereOrTheErrorIsAnother()
    {
        assertEquals("", Eal.hint(11, dir));
        assertEquals("", Eal.hint(22, dir.resolve("module")));
    }
}
