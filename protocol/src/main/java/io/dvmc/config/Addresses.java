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
        // A scan, not a split: lease records in etcd are read at thousands a second.
        final String t = text.trim();
        int value = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int octet = 0;
            int digits = 0;
            while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9' && digits < 4)
            {
                octet = octet * 10 + t.charAt(i++) - '0';
                digits++;
            }
            if (digits == 0 || digits > 3 || octet > 255)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            value = (value << 8) | octet;
            if (++octets == 4)
            {
                break;
            }
            if (i >= t.length() || t.charAt(i++) != '.')
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
        }
        if (i != t.length())
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
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
        final String t = text.trim();
        if (t.length() != 17)
        {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address");
        }
        long value = 0;
        for (int i = 0; i < 17; i += 3)
        {
            final int hi = Character.digit(t.charAt(i), 16);
            final int lo = Character.digit(t.charAt(i + 1), 16);
            if (hi < 0 || lo < 0 || (i < 15 && t.charAt(i + 2) != ':' && t.charAt(i + 2) != '-'))
            {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address");
            }
            value = (value << 8) | (hi << 4) | lo;
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
