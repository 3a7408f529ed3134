package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class DatagramBatchTest
{
    private static final int LOOPBACK = 0x7F00_0001;
    private final List<DatagramChannel> channels = new ArrayList<>();

    @AfterEach
    void close() throws IOException
    {
        for (final DatagramChannel c : channels)
        {
            c.close();
        }
    }

    @Test
    void datagramsFromSeveralSendersAreReceivedInOneCallWithTheirBytesAndSources() throws IOException
    {
        final DatagramChannel receiver = channel();
        final DatagramBatch batch = batch(receiver, 8, 64);
        final DatagramChannel a = channel();
        final DatagramChannel b = channel();
        a.send(ByteBuffer.wrap("first".getBytes()), receiver.getLocalAddress());
        b.send(ByteBuffer.wrap("second".getBytes()), receiver.getLocalAddress());
        a.send(ByteBuffer.wrap("third".getBytes()), receiver.getLocalAddress());

        final int n = batch.receive();

        assertEquals(3, n);
        assertEquals(List.of("first", "second", "third"), List.of(text(batch, 0), text(batch, 1), text(batch, 2)));
        assertEquals(LOOPBACK, batch.sourceAddress(1));
        assertEquals(port(b), batch.sourcePort(1));
        assertEquals(port(a), batch.sourcePort(2));
        assertEquals(0, batch.receive(), "nothing more is queued: no wait");
    }

    @Test
    void aDatagramLongerThanASlotIsCutAndSaysSo() throws IOException
    {
        final DatagramChannel receiver = channel();
        final DatagramBatch batch = batch(receiver, 2, 16);
        channel().send(ByteBuffer.wrap(new byte[40]), receiver.getLocalAddress());
        channel().send(ByteBuffer.wrap(new byte[16]), receiver.getLocalAddress());

        assertEquals(2, batch.receive());
        assertTrue(batch.truncated(0));
        assertEquals(16, batch.length(0));
        assertFalse(batch.truncated(1), "exactly a slot");
    }

    @Test
    void datagramsQueuedForSeveralReceiversLeaveWithOneFlushEachIntact() throws IOException
    {
        final DatagramBatch sender = batch(channel(), 4, 64);
        final DatagramChannel x = channel();
        final DatagramChannel y = channel();
        final UnsafeBuffer bytes = new UnsafeBuffer("to x|to y|to x again|fifth".getBytes());

        assertTrue(sender.queue(bytes, 0, 4, LOOPBACK, port(x)));
        assertTrue(sender.queue(bytes, 5, 4, LOOPBACK, port(y)));
        assertTrue(sender.queue(bytes, 10, 10, LOOPBACK, port(x)));
        assertEquals(3, sender.queued());
        assertEquals(3, sender.flush());

        assertEquals("to x", receive(x));
        assertEquals("to x again", receive(x));
        assertEquals("to y", receive(y));
        assertEquals(0, sender.queued());
        assertFalse(sender.queue(new UnsafeBuffer(new byte[65]), 0, 65, LOOPBACK, port(x)), "longer than a slot");
        assertEquals(1, sender.sendFailures());
    }

    @Test
    void aFullQueueIsSentBeforeTheNextDatagramIsQueued() throws IOException
    {
        final DatagramBatch sender = batch(channel(), 2, 8);
        final DatagramChannel x = channel();
        final UnsafeBuffer bytes = new UnsafeBuffer("abc".getBytes());
        for (int i = 0; i < 3; i++)
        {
            sender.queue(bytes, i, 1, LOOPBACK, port(x));
        }
        assertEquals(1, sender.queued());
        assertEquals(1, sender.flush());
        assertEquals(List.of("a", "b", "c"), List.of(receive(x), receive(x), receive(x)));
        assertEquals(3, sender.sent());
    }

    @Test
    void receivingAndSendingInBatchesAllocatesNothingPerDatagram() throws IOException
    {
        final DatagramChannel echoChannel = channel();
        final DatagramBatch echo = batch(echoChannel, 32, 256);
        final DatagramBatch client = batch(channel(), 32, 256);
        final UnsafeBuffer request = new UnsafeBuffer(new byte[200]);
        final var threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long before = 0;
        int datagrams = 0;
        for (int round = 0; round < 6_000; round++)
        {
            if (round == 5_000)
            {
                before = threads.getCurrentThreadAllocatedBytes();
                datagrams = 0;
            }
            for (int i = 0; i < 16; i++)
            {
                client.queue(request, 0, request.capacity(), LOOPBACK, port(echoChannel));
            }
            client.flush();
            int echoed = 0;
            while (echoed < 16)
            {
                final int n = echo.receive();
                for (int i = 0; i < n; i++)
                {
                    echo.queue(echo.rxBuffer(), echo.offset(i), echo.length(i), echo.sourceAddress(i),
                        echo.sourcePort(i));
                }
                echoed += n;
                echo.flush();
            }
            int back = 0;
            while (back < 16)
            {
                back += client.receive();
            }
            datagrams += 32;
        }
        final long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        // One object a datagram would be 16 bytes at least; a path the JIT compiles late allocates a little once.
        assertTrue(bytes < 8L * datagrams, bytes + " bytes for " + datagrams + " datagrams");
    }

    private DatagramChannel channel() throws IOException
    {
        final DatagramChannel c = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        channels.add(c);
        c.bind(new InetSocketAddress("127.0.0.1", 0));
        c.configureBlocking(false);
        return c;
    }

    private DatagramBatch batch(final DatagramChannel channel, final int slots, final int slotLength)
        throws IOException
    {
        return new DatagramBatch(channel, slots, slotLength);
    }

    private static int port(final DatagramChannel channel) throws IOException
    {
        return ((InetSocketAddress)channel.getLocalAddress()).getPort();
    }

    private static String text(final DatagramBatch batch, final int slot)
    {
        return batch.rxBuffer().getStringWithoutLengthAscii(batch.offset(slot), batch.length(slot));
    }

    private static String receive(final DatagramChannel channel) throws IOException
    {
        final ByteBuffer into = ByteBuffer.allocate(64);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (channel.receive(into) == null)
        {
            if (System.nanoTime() > deadline)
            {
                fail("nothing arrived within 5 s");
            }
            Thread.onSpinWait();
        }
        return new String(into.array(), 0, into.position());
    }
}
