package io.dvmc.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need root or external tools (DESIGN §7 tier 3). On a developer machine a missing prerequisite
 * skips the test; in CI ({@code CI=true}), which runs as root with everything installed, it fails it, so a broken
 * runner never turns into a silently green build.
 */
public final class Prerequisites
{
    /** Debian package of each command the lab uses, for the "install this" message. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
        Map.entry("ip", "iproute2"),
        Map.entry("unshare", "util-linux"),
        Map.entry("nsenter", "util-linux"),
        Map.entry("mount", "mount"),
        Map.entry("udhcpc", "udhcpc"),
        Map.entry("dhclient", "isc-dhcp-client"),
        Map.entry("dhcpcd", "dhcpcd5"),
        Map.entry("dnsmasq", "dnsmasq"),
        Map.entry("kea-dhcp4", "kea-dhcp4-server"),
        Map.entry("perfdhcp", "kea-admin"),
        Map.entry("etcd", "etcd-server"),
        Map.entry("tcpdump", "tcpdump"),
        Map.entry("nft", "nftables"),
        Map.entry("busybox", "busybox"),
        Map.entry("jq", "jq"));

    private Prerequisites()
    {
    }

    public static boolean inCi()
    {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips (locally) or fails (CI) the running test unless {@code present}.
     *
     * @param what what is missing and how to get it, e.g. "udhcpc (apt-get install udhcpc)"
     */
    public static void require(String what, boolean present)
    {
        if (present)
        {
            return;
        }
        String message = "prerequisite missing: " + what;
        if (inCi())
        {
            Assertions.fail(message + " (CI=true: tier-3 tests must run, see DESIGN §7; deploy/install-deps.sh)");
        }
        Assumptions.abort(message);
    }

    public static void requireRoot()
    {
        require("root (network namespaces, veth, af_packet need CAP_NET_ADMIN and CAP_NET_RAW)", isRoot());
    }

    /** Requires each command, naming the Debian package that provides it. */
    public static void requireCommands(String... commands)
    {
        for (String c : commands)
        {
            String pkg = PACKAGES.getOrDefault(c, c);
            require("command '" + c + "' (apt-get install " + pkg + ")", hasCommand(c));
        }
    }

    /** Effective uid 0, read from /proc so no process needs to be spawned. */
    public static boolean isRoot()
    {
        try
        {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Uid:"))
                {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        }
        catch (IOException e)
        {
            return false;
        }
        return false;
    }

    /** Whether {@code name} is an executable on PATH or in the sbin directories. */
    public static boolean hasCommand(String name)
    {
        return Exec.which(name).isPresent();
    }
}
