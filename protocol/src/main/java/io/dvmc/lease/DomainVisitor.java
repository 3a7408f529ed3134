package io.dvmc.lease;

/** Receives the domains of {@link DomainStore#forEach}; the record is reused between calls, copy what you keep. */
@FunctionalInterface
public interface DomainVisitor
{
    void visit(DomainRecord record);
}
