package io.dvmc.config;

import java.net.InetSocketAddress;

/**
 * Where a process serves its metrics (docs/metrics.md): {@code "host:port"}, or a bare port on loopback. Absent: no
 * endpoint, as Kea opens no control socket it was not given. Port 0: a free port the kernel picks, logged.
 */
public final class MetricsAddress
{
    public static final String LOOPBACK = "127.0.0.1";

    private MetricsAddress()
    {
    }

    /**
     * @param value the configured text, or null.
     * @return the address, or null when none is configured.
     * @throws IllegalArgumentException saying what is wrong with {@code value}.
     */
    public static InetSocketAddress parse(final String value)
    {
        if (value == null)
        {
            return null;
        }
        final String text = value.strip();
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("empty: give host:port or a port (on " + LOOPBACK +
                "), or leave the key out to serve no metrics");
        }
        if (text.chars().allMatch(Character::isDigit))
        {
            if (text.length() > 5 || Integer.parseInt(text) > 65535)
            {
                throw new IllegalArgumentException("port " + text + " is out of range 0-65535");
            }
            return new InetSocketAddress(LOOPBACK, Integer.parseInt(text));
        }
        try
        {
            return Addresses.socketAddress(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("'" + value + "' is not host:port with an IPv4 host, nor a port (" +
                ex.getMessage() + ")", ex);
        }
    }
}
