package io.dvmc.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/dvmc's choice of JDK, with a JAVA_HOME made by the test whose {@code bin/java} records each time it is
 * started: every command pays for each JVM the launcher starts.
 */
class LauncherTest
{
    private static final Path TOP = Path.of("..").toAbsolutePath().normalize();
    private static final Path JDK = Path.of(System.getProperty("java.home"));

    @TempDir
    Path dir;

    /** A JDK directory whose release file says {@code version} and whose java records its arguments. */
    private Path jdk(final String name, final String version, final boolean works) throws IOException
    {
        final Path home = dir.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        final Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho \"$*\" >> '" + dir.resolve(name + ".runs") + "'\n" +
            (works ? "exec '" + JDK.resolve("bin/java") + "' \"$@\"\n" : "exit 1\n"));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private List<String> runs(final String name) throws IOException
    {
        final Path file = dir.resolve(name + ".runs");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static String version(final Path javaHome) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(TOP.resolve("bin/dvmc").toString(), "--version")
            .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", javaHome.toString());
        // No cache, so no background training of one is started from a test.
        builder.environment().put("DVMC_AOT", "0");
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bin/dvmc --version did not finish");
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    @Test
    void aJdk25JavaHomeRunsTheCommandWithoutAFirstJvmToAskItsVersion() throws Exception
    {
        final Path home = jdk("jdk25", "25.0.3", true);
        assertTrue(version(home).startsWith("dvmc "));
        final List<String> runs = runs("jdk25");
        assertEquals(1, runs.size(), "JVMs started: " + runs);
        assertTrue(runs.get(0).endsWith("io.dvmc.cli.Dvmc --version"), "the one JVM is the command's: " + runs);
    }

    @Test
    void aJavaHomeOfAnOlderJdkIsPassedOverForAJdk25() throws Exception
    {
        final Path home = jdk("jdk17", "17.0.9", false);
        assertTrue(version(home).startsWith("dvmc "));
        assertEquals(List.of(), runs("jdk17"), "the JDK 17 was not started, not even to ask its version");
    }
}
