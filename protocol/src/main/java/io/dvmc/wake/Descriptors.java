package io.dvmc.wake;

import java.nio.channels.DatagramChannel;

/** The descriptors behind the JDK's channels, for calls the JDK does not make. */
public final class Descriptors
{
    private Descriptors()
    {
    }

    /** The descriptor of a {@link DatagramChannel} of the JDK (sun.nio.ch, opened to this module by the JVM flags). */
    public static int of(final DatagramChannel channel)
    {
        try
        {
            final var getter = channel.getClass().getMethod("getFDVal");
            getter.setAccessible(true);
            return (int)getter.invoke(channel);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            throw new IllegalStateException("no descriptor of " + channel.getClass().getName() +
                " (needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED): " + ex, ex);
        }
    }
}
