package io.dvmc.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The lab's parsing without root or namespaces: the recording script fed the variables udhcpc and dhclient/dhcpcd
 * really pass (as seen from the clients here), and iproute2 JSON as Debian 12's ip prints it.
 */
class LabScriptTest
{
    @TempDir
    Path dir;

    @Test
    void udhcpcVariablesBecomeALease() throws Exception
    {
        Lease l = runScript("udhcpc", List.of("bound"), Map.of("interface", "eth0", "ip", "10.0.0.163",
            "subnet", "255.255.255.0", "mask", "24", "router", "10.0.0.1 10.0.0.2", "dns",
            "10.0.0.53 10.0.0.54", "mtu", "1450", "lease", "3600", "serverid", "10.0.0.1"));
        assertEquals("udhcpc", l.client());
        assertEquals("bound", l.event());
        assertEquals("10.0.0.163", l.ip());
        assertEquals(24, l.prefix());
        assertEquals("255.255.255.0", l.mask());
        assertEquals("10.0.0.1", l.router(), "first router only");
        assertEquals(List.of("10.0.0.53", "10.0.0.54"), l.dns());
        assertEquals(1450, l.mtu());
        assertEquals(3600, l.leaseSeconds());
        assertEquals("10.0.0.1", l.serverId());
        assertEquals("eth0", l.iface());
        assertEquals("no", l.vars().get("applied"), "apply off: the script touched no interface");
        assertEquals("10.0.0.163", l.vars().get("env.ip"));
    }

    @Test
    void dhclientVariablesBecomeALeaseWithThePrefixFromTheMask() throws Exception
    {
        Lease l = runScript("dhclient", List.of(), Map.of("reason", "BOUND", "interface", "eth0",
            "new_ip_address", "10.0.0.7", "new_subnet_mask", "255.255.254.0", "new_routers", "10.0.0.1",
            "new_domain_name_servers", "10.0.0.54", "new_dhcp_lease_time", "600",
            "new_dhcp_server_identifier", "10.0.0.1"));
        assertEquals("bound", l.event());
        assertEquals(23, l.prefix());
        assertEquals("255.255.254.0", l.mask());
        assertEquals(List.of("10.0.0.54"), l.dns());
        assertEquals(0, l.mtu(), "no option 26: 0");
        assertEquals(600, l.leaseSeconds());
    }

    @Test
    void eventsWithoutAnAddressAreNotLeases() throws Exception
    {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("events"));
        Path script = script(run, "udhcpc");
        Exec.Result r = runIn(script, List.of("deconfig"), Map.of("interface", "eth0"));
        assertTrue(r.ok(), r.describe());
        List<ClientEvent> events = new EventDir(run.resolve("events")).events();
        assertEquals(1, events.size());
        assertEquals("deconfig", events.getFirst().name());
        assertFalse(events.getFirst().hasLease());
    }

    @Test
    void interfaceStateFromIprouteJson() throws Exception
    {
        ObjectMapper json = new ObjectMapper();
        var addr = json.readTree("""
            [{"ifindex":2,"link_index":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],
              "mtu":1450,"operstate":"UP","addr_info":[{"family":"inet","local":"10.0.0.163","prefixlen":24,
              "scope":"global","label":"eth0"}]}]""");
        var route = json.readTree("""
            [{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]}]""");
        var link = json.readTree("""
            [{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,
              "operstate":"UP","link_type":"ether","address":"02:00:00:64:00:01"}]""");
        InterfaceState s = InterfaceState.parse("vm", "eth0", addr, route, link);
        assertEquals("10.0.0.163", s.ip());
        assertEquals(24, s.prefix());
        assertEquals(List.of("10.0.0.163/24"), s.addresses());
        assertEquals("10.0.0.1", s.defaultRouter());
        assertEquals(1450, s.mtu());
        assertEquals("02:00:00:64:00:01", s.mac());
        assertTrue(s.up());

        InterfaceState bare = InterfaceState.parse("vm", "eth0", json.readTree("[]"), json.readTree("[]"), link);
        assertNull(bare.ip());
        assertNull(bare.defaultRouter());
        assertEquals(List.of(), bare.addresses());
    }

    @Test
    void masksAndPrefixes()
    {
        assertEquals(24, Lease.prefixOf("255.255.255.0"));
        assertEquals(0, Lease.prefixOf("0.0.0.0"));
        assertEquals(32, Lease.prefixOf("255.255.255.255"));
        assertEquals("255.255.240.0", Lease.maskOf(20));
        assertEquals("0.0.0.0", Lease.maskOf(0));
        assertEquals(0x0A000001, InterfaceState.ipv4ToInt("10.0.0.1"));
    }

    private Lease runScript(String client, List<String> args, Map<String, String> env) throws Exception
    {
        Path run = dir.resolve(client);
        Files.createDirectories(run.resolve("events"));
        Exec.Result r = runIn(script(run, client), args, env);
        assertTrue(r.ok(), r.describe());
        List<ClientEvent> events = new EventDir(run.resolve("events")).events();
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.getFirst().hasLease(), events.toString());
        return events.getFirst().lease("vm");
    }

    private static Path script(Path run, String client) throws Exception
    {
        Path script = run.resolve("record.sh");
        Files.writeString(script, DhcpClients.script(run.toString(), client, false));
        return script;
    }

    private static Exec.Result runIn(Path script, List<String> args, Map<String, String> env) throws Exception
    {
        ProcessBuilder pb = new ProcessBuilder();
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", script.toString()));
        cmd.addAll(args);
        pb.command(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean done = p.waitFor(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return new Exec.Result(cmd, done ? p.exitValue() : -1, out, !done);
    }
}
