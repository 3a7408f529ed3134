package io.dvmc.lease;

/** Outcome of a non-blocking lookup; every value but {@link #FOUND} sends the request down the slow path. */
public enum LookupResult
{
    /** Present, and the record passed its checksum. */
    FOUND,
    /** No entry for the key. */
    ABSENT,
    /** The key's segment lock was not granted within the read deadline (a write in progress, or a dead peer). */
    BUSY,
    /** An entry is present but its bytes fail the record checksum (torn or foreign). */
    CORRUPT
}
