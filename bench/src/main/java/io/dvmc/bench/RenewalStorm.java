package io.dvmc.bench;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A renewal storm, spoken as a relay as perfdhcp speaks: binds N clients with full DORA exchanges, then has them
 * renew (REQUEST with ciaddr, no option 50 or 54: RFC 2131 §4.3.2 RENEWING) as fast as the server answers, with
 * at most {@code window} renewals in flight, for a number of seconds. perfdhcp's own renew mode ({@code -f})
 * renews each lease it got once, and no faster than it makes new ones, so it cannot hold N bound clients renewing.
 *
 * <p>{@code RenewalStorm LABEL SERVER GIADDR CLIENTS SECONDS WINDOW RUN}: runs from GIADDR:67 (an address of this
 * namespace) to SERVER:67; RUN (0-255) is the MACs' second byte, so runs do not meet each other's clients. Prints
 * one line: {@code LABEL bound=B renewals=R answered=A naks=K lost=L seconds=S p50_ms=.. p99_ms=.. p99.9_ms=..}, then
 * the CPU per answered renewal of this process and of the server's processes ({@code -Ddvmc.bench.pids=P,P}).
 */
public final class RenewalStorm
{
    /** A request not answered within this time is lost (perfdhcp's default drop time, {@code -d 1}). */
    private static final long DROP_NS = 1_000_000_000L;
    private static final int SLOTS = 1 << 20;
    private static final int MASK = SLOTS - 1;
    private static final byte KIND_DISCOVER = 1;
    private static final byte KIND_SELECTING = 2;
    private static final byte KIND_RENEWING = 3;
    private static final int BIND_PASSES = 3;

    private final DatagramChannel channel;
    private final InetSocketAddress server;
    private final int giaddr;
    private final long macBase;
    private final int[] bound;
    private final int windowSize;
    private final Semaphore window;
    private final AtomicInteger nextXid = new AtomicInteger(1);
    /** Per in-flight xid (xid & MASK): when it was sent, 0 once answered or lost; claimed by a CAS to 0. */
    private final AtomicLongArray sentAt = new AtomicLongArray(SLOTS);
    private final int[] slotXid = new int[SLOTS];
    private final int[] slotClient = new int[SLOTS];
    private final byte[] slotKind = new byte[SLOTS];
    private final Histogram renewals = new Histogram(60_000_000L, 3);
    private final ByteBuffer receiverOut = ByteBuffer.allocateDirect(DhcpPacket.MIN_BOOTP_LENGTH + 64);
    private final ByteBuffer senderOut = ByteBuffer.allocateDirect(DhcpPacket.MIN_BOOTP_LENGTH + 64);
    /** Written by the receiver; read after {@link #drain}, whose semaphore orders the two. */
    private long naks;
    private int expireCursor = 1;
    private long lost;

    private RenewalStorm(final DatagramChannel channel, final InetSocketAddress server, final int giaddr,
        final int clients, final int window, final int run)
    {
        this.channel = channel;
        this.server = server;
        this.giaddr = giaddr;
        this.macBase = 0x0200_0000_0000L | ((long)run << 32);
        this.bound = new int[clients];
        this.windowSize = window;
        this.window = new Semaphore(window);
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length != 7)
        {
            System.err.println("usage: RenewalStorm LABEL SERVER GIADDR CLIENTS SECONDS WINDOW RUN");
            System.exit(2);
        }
        final String label = args[0];
        final InetAddress giaddr = InetAddress.getByName(args[2]);
        try (DatagramChannel channel = DatagramChannel.open())
        {
            channel.bind(new InetSocketAddress(giaddr, 67));
            final RenewalStorm storm = new RenewalStorm(channel, new InetSocketAddress(args[1], 67),
                toInt(giaddr), Integer.parseInt(args[3]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            final Thread receiver = Thread.ofPlatform().daemon().name("receiver").start(storm::receive);
            final int bound = storm.bind();
            System.err.printf(Locale.ROOT, "%s: %d of %s clients bound%n", label, bound, args[3]);
            final long seconds = Long.parseLong(args[4]);
            final CpuMeter cpu = new CpuMeter(System.getProperty("dvmc.bench.pids"), "server");
            cpu.start();
            final long renewalsSent = storm.renew(seconds);
            final Histogram h = storm.renewals;
            System.out.printf(Locale.ROOT,
                "%s bound=%d renewals=%d answered=%d naks=%d lost=%d seconds=%d p50_ms=%.3f p99_ms=%.3f " +
                    "p99.9_ms=%.3f %s%n",
                label, bound, renewalsSent, h.getTotalCount(), storm.naks, storm.lost, seconds,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, cpu.perOperation(h.getTotalCount()));
            channel.close();
            receiver.join(1000);
        }
    }

    /** Full DORA for every client not bound yet, up to {@link #BIND_PASSES} times; the number bound. */
    private int bind() throws IOException, InterruptedException
    {
        for (int pass = 0; pass < BIND_PASSES; pass++)
        {
            for (int client = 0; client < bound.length; client++)
            {
                if (bound[client] == 0)
                {
                    acquire();
                    send(senderOut, KIND_DISCOVER, client, 0, 0);
                }
            }
            drain();
        }
        int count = 0;
        for (final int address : bound)
        {
            count += address != 0 ? 1 : 0;
        }
        return count;
    }

    /** Renewals of the bound clients in turn, for {@code seconds}; the number sent. */
    private long renew(final long seconds) throws IOException, InterruptedException
    {
        lost = 0;
        long sent = 0;
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int client = 0;
        while (System.nanoTime() < end)
        {
            client = (client + 1) % bound.length;
            if (bound[client] == 0)
            {
                continue;
            }
            acquire();
            send(senderOut, KIND_RENEWING, client, 0, 0);
            sent++;
        }
        drain();
        return sent;
    }

    /** A window slot; while none is free, expires what is older than the drop time. */
    private void acquire() throws InterruptedException
    {
        while (!window.tryAcquire(10, TimeUnit.MILLISECONDS))
        {
            expire(System.nanoTime());
        }
    }

    /** Waits for what is in flight to be answered or lost. */
    private void drain() throws InterruptedException
    {
        while (window.availablePermits() < windowSize)
        {
            expire(System.nanoTime());
            Thread.sleep(10);
        }
    }

    /** From the oldest xid on: each one older than the drop time is lost; stops at the first still young. */
    private void expire(final long now)
    {
        while (expireCursor != nextXid.get())
        {
            final int slot = expireCursor & MASK;
            final long at = sentAt.get(slot);
            if (at != 0 && now - at < DROP_NS)
            {
                return;
            }
            if (at != 0 && sentAt.compareAndSet(slot, at, 0))
            {
                lost++;
                window.release();
            }
            expireCursor++;
        }
    }

    private void send(final ByteBuffer out, final byte kind, final int client, final int requestedIp,
        final int serverId) throws IOException
    {
        final int xid = nextXid.getAndIncrement();
        final int slot = xid & MASK;
        slotXid[slot] = xid;
        slotClient[slot] = client;
        slotKind[slot] = kind;
        final int type = kind == KIND_DISCOVER ? DhcpMessageType.DISCOVER : DhcpMessageType.REQUEST;
        final int ciaddr = kind == KIND_RENEWING ? bound[client] : 0;
        RelayedDhcp.request(out, type, xid, macBase | client, ciaddr, giaddr, requestedIp, serverId);
        sentAt.set(slot, System.nanoTime());
        channel.send(out, server);
    }

    /** The receiver thread: matches each reply to its request by xid; an OFFER is answered with its REQUEST. */
    private void receive()
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(1500);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final DhcpPacket packet = new DhcpPacket();
        try
        {
            while (true)
            {
                in.clear();
                channel.receive(in);
                final long now = System.nanoTime();
                view.wrap(in, 0, in.position());
                if (packet.wrap(view, 0, in.position()).validate() < 0 || packet.op() != DhcpPacket.BOOTREPLY)
                {
                    continue;
                }
                final int slot = packet.xid() & MASK;
                final long at = sentAt.get(slot);
                if (at == 0 || slotXid[slot] != packet.xid() || !sentAt.compareAndSet(slot, at, 0))
                {
                    continue;
                }
                final int client = slotClient[slot];
                final int type = packet.messageType();
                if (slotKind[slot] == KIND_DISCOVER && type == DhcpMessageType.OFFER)
                {
                    // The exchange keeps its window slot.
                    send(receiverOut, KIND_SELECTING, client, packet.yiaddr(), packet.serverId());
                    continue;
                }
                if (type == DhcpMessageType.ACK)
                {
                    if (slotKind[slot] == KIND_RENEWING)
                    {
                        renewals.recordValue(Math.max(1, (now - at) / 1000));
                    }
                    bound[client] = packet.yiaddr();
                }
                else if (type == DhcpMessageType.NAK)
                {
                    naks += slotKind[slot] == KIND_RENEWING ? 1 : 0;
                    bound[client] = 0;
                }
                window.release();
            }
        }
        catch (final ClosedChannelException end)
        {
            // main closed the channel: the run is over
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int toInt(final InetAddress address)
    {
        if (!(address instanceof Inet4Address))
        {
            throw new IllegalArgumentException(address + " is not an IPv4 address");
        }
        final byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
    }
}
