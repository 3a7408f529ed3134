package io.dvmc.port;

/** A vdev's arguments as host.json gives them after its name: {@code net_af_packet0,iface=veth0,qpairs=2}. */
public final class Devargs
{
    private Devargs()
    {
    }

    /** The value of {@code key=} among {@code device}'s arguments (the last one given), null if absent. */
    public static String value(final String device, final String key)
    {
        final String[] parts = device.split(",");
        String value = null;
        for (int i = 1; i < parts.length; i++)
        {
            final String part = parts[i].trim();
            if (part.startsWith(key) && part.length() > key.length() && part.charAt(key.length()) == '=')
            {
                value = part.substring(key.length() + 1);
            }
        }
        return value;
    }
}
