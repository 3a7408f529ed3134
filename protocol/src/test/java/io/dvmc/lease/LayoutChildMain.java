package io.dvmc.lease;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/** Child JVM of {@link CrossProcessLayoutTest}: writes sample records, or prints the bytes it reads. */
public final class LayoutChildMain
{
    private LayoutChildMain()
    {
    }

    public static void main(final String[] args)
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        final String mode = args[0];
        final Path leases = Path.of(args[1]);
        final Path domains = Path.of(args[2]);
        final int count = Integer.parseInt(args[3]);
        if (mode.equals("write"))
        {
            try (LeaseStore leaseStore = LeaseStore.openWriter(leases, 1024);
                DomainStore domainStore = DomainStore.openWriter(domains, 64))
            {
                final LeaseRecord lease = new LeaseRecord();
                for (int n = 0; n < count; n++)
                {
                    leaseStore.put(Samples.domainOf(n, count), Samples.macOf(n, count), Samples.lease(n, lease));
                }
                final DomainRecord domain = new DomainRecord();
                for (int n = 1; n <= count; n++)
                {
                    domainStore.put(Samples.domain(n, domain));
                }
            }
        }
        else
        {
            try (LeaseStore leaseStore = LeaseStore.openReader(leases);
                DomainStore domainStore = DomainStore.openReader(domains))
            {
                final LeaseRecord lease = new LeaseRecord();
                for (int n = 0; n < count; n++)
                {
                    final LookupResult r = leaseStore.lookup(Samples.domainOf(n, count), Samples.macOf(n, count),
                        lease);
                    out.println("lease " + n + " " + r + " " + Samples.hex(lease.buffer(), lease.offset(),
                        LeaseRecord.LENGTH));
                }
                final DomainRecord domain = new DomainRecord();
                for (int n = 1; n <= count; n++)
                {
                    final LookupResult r = domainStore.lookup(n, domain);
                    out.println("domain " + n + " " + r + " " + Samples.hex(domain.buffer(), domain.offset(),
                        DomainRecord.LENGTH));
                }
            }
        }
        out.println("done");
    }
}
