package io.dvmc.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code make package}'s .deb (deploy/package.sh), built from this reactor's jars: what it holds, what it depends
 * on, its units, and its maintainer scripts run for real by dpkg into a throw-away root (never this machine's).
 */
class DebianPackageTest
{
    private static final Path TOP = Path.of("..").toAbsolutePath().normalize();
    private static final String[] UNITS = {"dvmc-dataplane.service", "dvmc-agent.service", "dvmc-service.service"};
    /** The exposure systemd-analyze security gives the units now (1.5, 2.4, 1.5 of 10); 9.6 was a root unit. */
    private static final double MAX_EXPOSURE = 2.5;

    @TempDir
    static Path dir;
    private static Path deb;

    @BeforeAll
    static void buildThePackage() throws IOException
    {
        final Run build = run(List.of("bash", TOP.resolve("deploy/package.sh").toString(), dir.toString()));
        assertEquals(0, build.exit, "deploy/package.sh (run `mvn package`: it needs the jars)\n" + build.output);
        deb = Path.of(build.output.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(Files.isRegularFile(deb), build.output);
    }

    @Test
    void thePackageHoldsTheLauncherTheJarsTheShimTheUnitsAndTheUserAndNothingUnderEtc() throws IOException
    {
        final String contents = ok(List.of("dpkg-deb", "-c", deb.toString()));
        for (final String file : List.of("./opt/dvmc/bin/dvmc", "./opt/dvmc/deploy/jvm.options",
            "./opt/dvmc/deploy/cli.options",
            "./opt/dvmc/native/build/libdvmcshim.so", "./opt/dvmc/control/target/dvmc-control-",
            "./opt/dvmc/dataplane/target/dvmc-dataplane-", "./opt/dvmc/control/target/lib/",
            "./opt/dvmc/docs/bare-metal.md", "./usr/bin/dvmc -> /opt/dvmc/bin/dvmc",
            "./lib/systemd/system/dvmc-dataplane.service", "./lib/systemd/system/dvmc-agent.service",
            "./lib/systemd/system/dvmc-service.service", "./usr/lib/sysusers.d/dvmc.conf",
            "./usr/lib/sysctl.d/60-dvmc.conf", "./usr/share/doc/dvmc/examples/host.json"))
        {
            assertTrue(contents.contains(file), file + " is not in the package:\n" + contents);
        }
        assertTrue(contents.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x root/root") &&
            l.endsWith("./opt/dvmc/bin/dvmc")), "the launcher is root's and executable:\n" + contents);
        assertFalse(contents.contains(" ./etc/"), "the package ships no file under /etc (the operator's)");
        assertFalse(contents.contains("-tests.jar"), "no test jar");
    }

    @Test
    void itDependsOnWhatRunsDvmcAndOnNoCompilerNorDhcpClient() throws IOException
    {
        final String control = ok(List.of("dpkg-deb", "-f", deb.toString(), "Depends", "Recommends"));
        for (final String runtime : List.of("librte-eal23", "librte-ethdev23", "dpdk", "librte-net-af-packet23",
            "librte-net-vhost23", "temurin-25-jdk"))
        {
            assertTrue(control.contains(runtime), runtime + " missing:\n" + control);
        }
        for (final String notOnAHost : List.of("gcc", "build-essential", "maven", "dpdk-dev", "tshark", "dhcpcd",
            "isc-dhcp-client", "udhcpc", "kea", "etcd", "qemu"))
        {
            assertFalse(control.contains(notOnAHost), notOnAHost + " is not a runtime dependency:\n" + control);
        }
    }

    @Test
    void theUnitsVerifyAndStayHardened() throws IOException
    {
        final Path root = dir.resolve("verify");
        ok(List.of("dpkg-deb", "-x", deb.toString(), root.toString()));
        // verify checks that every command exists: the units' /opt/dvmc is read as the unpacked one.
        final Path units = Files.createDirectories(dir.resolve("units"));
        final List<String> verify = new ArrayList<>(List.of("systemd-analyze", "verify"));
        for (final String unit : UNITS)
        {
            final String text = Files.readString(root.resolve("lib/systemd/system").resolve(unit));
            assertTrue(text.contains("ExecStart=/opt/dvmc/bin/dvmc "), unit);
            // systemctl stop ends the JVM with SIGTERM, and a JVM so ended exits 143: a clean stop, not a failed unit.
            assertTrue(text.contains("\nSuccessExitStatus=143\n"), unit + ": SuccessExitStatus=143");
            Files.writeString(units.resolve(unit), text.replace("/opt/dvmc/", root + "/opt/dvmc/"));
            verify.add(units.resolve(unit).toString());
        }
        final Run verified = run(verify);
        assertEquals(0, verified.exit, verified.output);
        assertEquals("", verified.output.strip(), "systemd-analyze verify is silent on good units");
        final Pattern exposure = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d)");
        for (final String unit : UNITS)
        {
            final String report = ok(List.of("systemd-analyze", "security", "--offline=yes",
                root.resolve("lib/systemd/system").resolve(unit).toString()));
            final Matcher m = exposure.matcher(report);
            assertTrue(m.find(), report);
            assertTrue(Double.parseDouble(m.group(1)) <= MAX_EXPOSURE, unit + ": exposure " + m.group(1) + "\n" +
                report);
        }
    }

    @Test
    void dpkgInstallsCreatesTheUserAndRemovesAndPurgesItInAThrowAwayRootLeavingThisMachineAlone()
        throws IOException
    {
        final boolean userHereBefore = ok(List.of("getent", "passwd")).contains("\ndvmc:");
        final Path root = dir.resolve("root");
        for (final String d : List.of("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"))
        {
            Files.createDirectories(root.resolve(d));
        }
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");
        // Chroot-less: the maintainer scripts run here with DPKG_ROOT set, and must touch nothing outside it.
        final List<String> dpkg = List.of("dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends",
            "--log=" + dir.resolve("dpkg.log"));
        final Run install = run(concat(dpkg, "--install", deb.toString()));
        assertEquals(0, install.exit, install.output);
        assertTrue(Files.readString(root.resolve("etc/passwd")).contains("dvmc:"), "postinst created the user");
        assertTrue(Files.readString(root.resolve("etc/group")).contains("dvmc:"));
        assertTrue(Files.isDirectory(root.resolve("etc/dvmc")));
        assertTrue(Files.isExecutable(root.resolve("opt/dvmc/bin/dvmc")));

        final Run version = run(List.of(root.resolve("opt/dvmc/bin/dvmc").toString(), "--version"));
        assertEquals(0, version.exit, "the installed launcher runs from /opt/dvmc's jars\n" + version.output);

        final Run remove = run(concat(dpkg, "--remove", "dvmc"));
        assertEquals(0, remove.exit, remove.output);
        assertFalse(Files.exists(root.resolve("opt/dvmc/bin/dvmc")));
        Files.createDirectories(root.resolve("var/lib/dvmc/host"));
        final Run purge = run(concat(dpkg, "--purge", "dvmc"));
        assertEquals(0, purge.exit, purge.output);
        assertFalse(Files.exists(root.resolve("var/lib/dvmc")), "purge removes the state");
        assertEquals(userHereBefore, ok(List.of("getent", "passwd")).contains("\ndvmc:"),
            "this machine's users are as they were");
    }

    private static List<String> concat(final List<String> head, final String... tail)
    {
        final List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private record Run(int exit, String output)
    {
    }

    private static String ok(final List<String> command) throws IOException
    {
        final Run r = run(command);
        assertEquals(0, r.exit, String.join(" ", command) + "\n" + r.output);
        return r.output;
    }

    private static Run run(final List<String> command) throws IOException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            return new Run(p.exitValue(), output);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + command);
        }
    }
}
