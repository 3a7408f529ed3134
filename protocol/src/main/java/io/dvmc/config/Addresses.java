package io.dvmc.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Text forms of the addresses dvmc handles. IPv4 addresses are ints in network order read big-endian
 * (10.0.0.1 == 0x0A000001), MACs the low 48 bits of a long. Not for the hot path.
 */
public final class Addresses
{
    private Addresses()
    {
    }

    public static boolean isIpv4(final String text)
    {
        try
        {
            parseIpv4(text);
            return true;
        }
        catch (final IllegalArgumentException | NullPointerException ex)
        {
            return false;
        }
    }

    public static int parseIpv4(final String text)
    {
        final String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
        int value = 0;
        for (final String part : parts)
        {
            final int octet;
            try
            {
                octet = Integer.parseInt(part);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            if (octet < 0 || octet > 255 || part.isEmpty() || part.length() > 3)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    /** The address as a big-endian int, or 0 for one that is not IPv4 or is the wildcard. */
    public static int ipv4Bits(final InetAddress address)
    {
        if (!(address instanceof Inet4Address) || address.isAnyLocalAddress())
        {
            return 0;
        }
        final byte[] b = address.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    public static String ipv4(final int address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." +
            ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    public static long parseMac(final String text)
    {
        final String[] parts = text.trim().split("[:-]", -1);
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address");
        }
        long value = 0;
        for (final String part : parts)
        {
            if (part.length() != 2)
            {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address");
            }
            try
            {
                value = (value << 8) | Integer.parseInt(part, 16);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address");
            }
        }
        return value;
    }

    public static String mac(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** "host:port" with an IPv4 host. */
    public static InetSocketAddress socketAddress(final String text)
    {
        if (text == null)
        {
            throw new IllegalArgumentException("no address given");
        }
        final int colon = text.lastIndexOf(':');
        if (colon < 0)
        {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' has no numeric port");
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("'" + text + "': port out of range");
        }
        final String host = text.substring(0, colon);
        parseIpv4(host);
        return new InetSocketAddress(host, port);
    }
}
