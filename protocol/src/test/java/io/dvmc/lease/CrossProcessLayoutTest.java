package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A record written by one JVM is read byte for byte by another, in both directions. */
class CrossProcessLayoutTest
{
    private static final int COUNT = 40;
    private static final Duration LONG = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void recordsWrittenByAChildProcessReadIdenticallyHere() throws Exception
    {
        final Path leases = dir.resolve("leases");
        final Path domains = dir.resolve("domains");
        try (ForkedJvm child = ForkedJvm.start(LayoutChildMain.class, dir, "write", leases.toString(),
            domains.toString(), Integer.toString(COUNT)))
        {
            child.awaitLine("done"::equals, LONG);
            assertEquals(0, child.await(LONG), child.stderrTail());
        }
        try (LeaseStore leaseStore = LeaseStore.openReader(leases);
            DomainStore domainStore = DomainStore.openReader(domains))
        {
            final LeaseRecord read = new LeaseRecord();
            final LeaseRecord expected = new LeaseRecord();
            for (int n = 0; n < COUNT; n++)
            {
                assertEquals(LookupResult.FOUND,
                    leaseStore.lookup(Samples.domainOf(n, COUNT), Samples.macOf(n, COUNT), read));
                Samples.lease(n, expected);
                assertEquals(Samples.hex(expected.buffer(), 0, LeaseRecord.LENGTH),
                    Samples.hex(read.buffer(), 0, LeaseRecord.LENGTH), "lease " + n);
                assertEquals(n, read.updatedMillis());
                assertEquals(expected.vmId(), read.vmId());
            }
            final DomainRecord domain = new DomainRecord();
            final DomainRecord expectedDomain = new DomainRecord();
            for (int n = 1; n <= COUNT; n++)
            {
                assertEquals(LookupResult.FOUND, domainStore.lookup(n, domain));
                Samples.domain(n, expectedDomain);
                assertEquals(Samples.hex(expectedDomain.buffer(), 0, DomainRecord.LENGTH),
                    Samples.hex(domain.buffer(), 0, DomainRecord.LENGTH), "domain " + n);
            }
        }
    }

    @Test
    void recordsWrittenHereReadIdenticallyByAChildProcess() throws Exception
    {
        final Path leases = dir.resolve("leases");
        final Path domains = dir.resolve("domains");
        try (LeaseStore leaseStore = LeaseStore.openWriter(leases, 1024);
            DomainStore domainStore = DomainStore.openWriter(domains, 64))
        {
            final LeaseRecord lease = new LeaseRecord();
            for (int n = 0; n < COUNT; n++)
            {
                leaseStore.put(Samples.domainOf(n, COUNT), Samples.macOf(n, COUNT), Samples.lease(n, lease));
            }
            final DomainRecord domain = new DomainRecord();
            for (int n = 1; n <= COUNT; n++)
            {
                domainStore.put(Samples.domain(n, domain));
            }
            // The writer stays open: the child reads what this live process wrote.
            try (ForkedJvm child = ForkedJvm.start(LayoutChildMain.class, dir, "read", leases.toString(),
                domains.toString(), Integer.toString(COUNT)))
            {
                for (int n = 0; n < COUNT; n++)
                {
                    final String line = child.awaitLine(l -> l.startsWith("lease "), LONG);
                    Samples.lease(n, lease);
                    assertEquals("lease " + n + " FOUND " + Samples.hex(lease.buffer(), 0, LeaseRecord.LENGTH), line);
                }
                for (int n = 1; n <= COUNT; n++)
                {
                    final String line = child.awaitLine(l -> l.startsWith("domain "), LONG);
                    Samples.domain(n, domain);
                    assertEquals("domain " + n + " FOUND " + Samples.hex(domain.buffer(), 0, DomainRecord.LENGTH),
                        line);
                }
                child.awaitLine("done"::equals, LONG);
                assertEquals(0, child.await(LONG));
            }
            assertTrue(leaseStore.guard().isWriter());
        }
    }
}
