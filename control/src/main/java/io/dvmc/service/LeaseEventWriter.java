package io.dvmc.service;

/**
 * Where a lease event's fields go, in order: {@link #begin}, the fields, {@link #end}. One implementation renders the
 * line itself into a reusable buffer ({@link LeaseEventLine}), the other hands the fields to Logback.
 */
interface LeaseEventWriter
{
    void begin(String event);

    void unsigned(String key, int value);

    void mac(String key, long mac);

    void ipv4(String key, int address);

    void uuid(String key, long msb, long lsb);

    /** {@code <host id>@<a.b.c.d>:<port>}: a host and its agent's endpoint. */
    void host(String key, long hostId, int address, int port);

    void text(String key, String value);

    void end();
}
