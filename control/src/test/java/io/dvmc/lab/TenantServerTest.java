package io.dvmc.lab;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a tenant server's own record of a lease. The fixture is the lease file ISC dhcpd 4.4.3 wrote for a udhcpc
 * client whose MAC, 02:00:7d:22:5c:01, puts a brace, a quote and a backslash into its client id (option 61). The lab
 * derives a VM's MAC from the test JVM's pid, so such bytes come up about once in 128 pids.
 */
class TenantServerTest
{
    @Test
    void aDhcpdLeaseRecordIsReadToItsClosingLineThoughItsClientIdHoldsABrace() throws IOException
    {
        final String leases = capture("/dhcpd/leases-uid-with-brace");

        final String record = TenantServer.lastDhcpdLease(leases, "192.0.2.100");

        assertTrue(record.startsWith("lease 192.0.2.100 {\n"), record);
        assertTrue(record.contains("  uid \"\\001\\002\\000}\\\"\\\\\\001\";\n"), record);
        assertTrue(record.contains("  set vendor-class-identifier = \"udhcp 1.35.0\";\n"),
            "the lines after the client id belong to the record too: " + record);
        assertTrue(record.endsWith("\n}"), record);
    }

    @Test
    void aRecordNotYetWrittenToItsEndOrOfAnotherAddressIsNone() throws IOException
    {
        final String leases = capture("/dhcpd/leases-uid-with-brace");

        assertEquals("", TenantServer.lastDhcpdLease(leases.substring(0, leases.lastIndexOf("\n}")), "192.0.2.100"));
        assertEquals("", TenantServer.lastDhcpdLease(leases, "192.0.2.10"));
    }

    private static String capture(final String name) throws IOException
    {
        try (InputStream in = TenantServerTest.class.getResourceAsStream(name))
        {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
