package io.dvmc.lease;

import net.openhft.posix.internal.PosixAPIHolder;

/**
 * For a process that only reads the shared stores (the dataplane, the CLI's read-only commands): Chronicle's first
 * use loads its posix helper, which generates native call stubs with jnr-ffi and ASM, though only a writer calls
 * it (msync and fallocate when the map grows). Declared before any Chronicle class is used, the helper is the no-op
 * one: 80 ms less for each `dvmc ctl leases`, and a dataplane's stores open sooner after a restart.
 */
public final class StoreReaderProcess
{
    private StoreReaderProcess()
    {
    }

    /** Call first thing in a process that never writes a store; a writer must not. */
    public static void declare()
    {
        PosixAPIHolder.useNoOpPosixApi();
    }
}
