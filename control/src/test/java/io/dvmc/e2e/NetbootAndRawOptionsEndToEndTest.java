package io.dvmc.e2e;

import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.UdhcpcSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Tier 3 (root): real clients behind the DPDK dataplane that ask for the boot options (66, 67) and a raw option
 * (252) get the domain's next server, TFTP server, boot file and raw value, from the service's OFFER/ACK and again
 * from the renewal the host answers on its fast path; a client that asks for none of it gets none. A client whose
 * client identifier the domain reserves gets the reserved address.
 */
class NetbootAndRawOptionsEndToEndTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final String WPAD = "http://wpad.blue.example/wpad.dat";
    private static final String DOMAIN = """
        { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "dns": [ "10.0.0.53" ], "leaseSeconds": 600,
          "boot": { "nextServer": "10.0.0.5", "tftpServer": "tftp.blue.example", "file": "undionly.kpxe",
                    "ipxeFile": "http://10.0.0.5/boot.ipxe" },
          "rawOptions": [ { "code": 252, "hex": "%s" } ] }
        """.formatted(HexFormat.of().formatHex(WPAD.getBytes(StandardCharsets.US_ASCII)));
    /** dhclient learns the raw option's code and asks for it and for the boot options. */
    private static final String DHCLIENT_ASKS = """
        option dvmc-wpad code 252 = text;
        also request tftp-server-name, bootfile-name, dvmc-wpad;
        """;

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc", "dhclient");
    }

    @Test
    void clientsThatAskGetTheBootFieldsAndTheRawOptionFromTheServiceAndFromTheFastPath() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(3);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = EndToEndTest.host(dir, lab, 100))
        {
            host.domains(List.of(DOMAIN));
            host.start();
            final NetnsLab.Vm udhcpcVm = lab.vm(0);
            try (UdhcpcSession session = clients.startUdhcpc(udhcpcVm.ns(), udhcpcVm.ifname(),
                "-O", "66", "-O", "67", "-O", "252"))
            {
                final Lease bound = session.awaitLease(BIND);
                assertUdhcpcBoots(bound);

                final long fastAcks = host.counter("dataplane: fast path ACK");
                session.renew();
                final Lease renewed = session.awaitEvent("renew", BIND).lease(udhcpcVm.ns());
                host.awaitCounter(host.dataplane(), "dataplane: fast path ACK", fastAcks + 1, Duration.ofSeconds(10));
                assertEquals(bound.ip(), renewed.ip());
                assertUdhcpcBoots(renewed);
            }

            final NetnsLab.Vm dhclientVm = lab.vm(1);
            final Lease dhclient = clients.dhclient(dhclientVm.ns(), dhclientVm.ifname(), BIND, DHCLIENT_ASKS);
            assertAll("dhclient " + dhclient.vars(),
                () -> assertEquals("tftp.blue.example", dhclient.vars().get("env.new_tftp_server_name")),
                () -> assertEquals("undionly.kpxe", dhclient.vars().get("env.new_bootfile_name")),
                () -> assertEquals("undionly.kpxe", dhclient.vars().get("env.new_filename")),
                () -> assertEquals("tftp.blue.example", dhclient.vars().get("env.new_server_name")),
                () -> assertEquals(WPAD, unquoted(dhclient.vars().get("env.new_dvmc_wpad"))));

            final NetnsLab.Vm plainVm = lab.vm(2);
            final Lease plain = clients.udhcpc(plainVm.ns(), plainVm.ifname(), BIND);
            assertAll("udhcpc without -O " + plain.vars(),
                () -> assertNull(plain.vars().get("env.boot_file")),
                () -> assertNull(plain.vars().get("env.siaddr")),
                () -> assertNull(plain.vars().get("env.wpad")));
        }
    }

    @Test
    void aClientThatSendsAReservedClientIdentifierGetsItsAddressThroughDpdk() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(2);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = EndToEndTest.host(dir, lab, 100))
        {
            final NetnsLab.Vm reserved = lab.vm(1);
            // udhcpc's client identifier: type 1 (Ethernet) and its MAC.
            host.domains(List.of(DOMAIN.replace("\"leaseSeconds\": 600,", "\"leaseSeconds\": 600, \"reservations\": [" +
                " { \"clientId\": \"01:" + reserved.mac() + "\", \"ip\": \"10.0.0.20\" } ],")));
            host.start();

            final Lease other = clients.udhcpc(lab.vm(0).ns(), lab.vm(0).ifname(), BIND);
            final Lease lease = clients.udhcpc(reserved.ns(), reserved.ifname(), BIND);

            assertEquals("10.0.0.20", lease.ip());
            assertEquals("10.0.0.100", other.ip());
        }
    }

    private static void assertUdhcpcBoots(final Lease lease)
    {
        assertAll(lease.event() + " " + lease.vars(),
            () -> assertEquals("10.0.0.5", lease.vars().get("env.siaddr")),
            () -> assertEquals("tftp.blue.example", lease.vars().get("env.sname")),
            () -> assertEquals("undionly.kpxe", lease.vars().get("env.boot_file")),
            () -> assertEquals("tftp.blue.example", lease.vars().get("env.tftp")),
            () -> assertEquals("undionly.kpxe", lease.vars().get("env.bootfile")),
            // udhcpc knows option 252 as "wpad", text
            () -> assertEquals(WPAD, lease.vars().get("env.wpad")));
    }

    private static String unquoted(final String value)
    {
        return value != null && value.length() >= 2 && value.startsWith("'") && value.endsWith("'")
            ? value.substring(1, value.length() - 1)
            : value;
    }
}
