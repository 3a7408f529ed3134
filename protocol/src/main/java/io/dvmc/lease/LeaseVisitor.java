package io.dvmc.lease;

/** Receives the leases of {@link LeaseStore#forEach}; the record is reused between calls, copy what you keep. */
@FunctionalInterface
public interface LeaseVisitor
{
    void visit(int domainId, long mac, LeaseRecord record);
}
