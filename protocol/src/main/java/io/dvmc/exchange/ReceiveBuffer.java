package io.dvmc.exchange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * Sizes a DVMC socket's kernel receive buffer for the datagrams that may arrive between two polls. A burst beyond
 * it is dropped by the kernel before dvmc sees it (visible only as {@code RcvbufErrors} in {@code /proc/net/snmp}),
 * and each lost datagram costs its sender a retransmission timeout: a full batch of replies from a service, or the
 * requests that arrive while a service waits for its lease store, must fit.
 */
public final class ReceiveBuffer
{
    /** Kernel memory per queued datagram of up to {@link DvmcMessage#MAX_LENGTH}: payload plus the skb around it. */
    public static final int BYTES_PER_DATAGRAM = 2048;
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveBuffer.class);

    private ReceiveBuffer()
    {
    }

    /**
     * Asks for room for {@code datagrams} queued datagrams and warns once if the kernel grants less: Linux caps the
     * request at {@code net.core.rmem_max}.
     *
     * @return the bytes the kernel reports for the buffer.
     */
    public static int size(final DatagramChannel channel, final int datagrams, final String role) throws IOException
    {
        final int wanted = (int)Math.min(Integer.MAX_VALUE / 2, (long)datagrams * BYTES_PER_DATAGRAM);
        if (channel.getOption(StandardSocketOptions.SO_RCVBUF) >= wanted)
        {
            return channel.getOption(StandardSocketOptions.SO_RCVBUF);
        }
        channel.setOption(StandardSocketOptions.SO_RCVBUF, wanted);
        final int granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
        if (granted < wanted)
        {
            LOG.warn("{}: receive buffer is {} bytes, {} wanted for {} datagrams in flight; bursts beyond it are " +
                "lost and retransmitted. Raise net.core.rmem_max to at least {}", role, granted, wanted, datagrams,
                wanted);
        }
        return granted;
    }
}
