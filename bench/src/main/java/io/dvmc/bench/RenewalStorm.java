package io.dvmc.bench;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

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
 *
 * <p>{@code -Ddvmc.bench.rate=R} paces the renewals instead: R a second whether answered or not, as clients renew on
 * their own timers, so that a server that stops answering is seen as renewals lost rather than as a storm that
 * slows down; WINDOW then bounds the binding only, and the renewals may have two seconds' worth in flight.
 * {@code -Ddvmc.bench.timeline=FILE} writes, per millisecond of the renewing phase, the renewals sent then and what
 * became of them (answered, NAKed, lost, and of the lost those answered after the drop time), and the answers that
 * arrived then ({@link RestartGapReport} reads it).
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
    /** The socket's receive buffer asked for; Linux grants at most net.core.rmem_max. */
    private static final int RCVBUF = 8 << 20;
    /** How long the paced sender parks between its rounds; what fell due meanwhile goes out at once. */
    private static final long PACE_NS = 1_000_000L;

    private final DatagramChannel channel;
    private final InetSocketAddress server;
    private final int giaddr;
    private final long macBase;
    private final int[] bound;
    private int windowSize;
    private final Semaphore window;
    private final AtomicInteger nextXid = new AtomicInteger(1);
    /**
     * Per in-flight xid (xid & MASK): when it was sent (System.nanoTime, positive on Linux); once lost, its negation,
     * which a late answer claims; 0 once answered. Changed by CAS only, so an answer and the drop time never both
     * claim a request.
     */
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
    /** Requests lost; the receiver adds to it too, when a client's REQUEST reuses a slot still in flight. */
    private final AtomicLong lost = new AtomicLong();
    /**
     * Per millisecond of the renewing phase, set as it starts (volatile: the receiver, already running, sees it
     * from the first renewal on); null without {@code -Ddvmc.bench.timeline}.
     */
    private volatile Timeline timeline;

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
            // Room for a few hundred milliseconds of answers (as much as net.core.rmem_max allows): a receiver
            // kept off the CPU for a while (a JVM starting beside it on a small machine) would otherwise count
            // the answers its socket dropped meanwhile as lost.
            channel.setOption(StandardSocketOptions.SO_RCVBUF, RCVBUF);
            channel.bind(new InetSocketAddress(giaddr, 67));
            final RenewalStorm storm = new RenewalStorm(channel, new InetSocketAddress(args[1], 67),
                toInt(giaddr), Integer.parseInt(args[3]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            final Thread receiver = Thread.ofPlatform().daemon().name("receiver").start(storm::receive);
            final int bound = storm.bind();
            System.err.printf(Locale.ROOT, "%s: %d of %s clients bound%n", label, bound, args[3]);
            final long seconds = Long.parseLong(args[4]);
            final int rate = Integer.getInteger("dvmc.bench.rate", 0);
            final String timelineFile = System.getProperty("dvmc.bench.timeline");
            final CpuMeter cpu = new CpuMeter(System.getProperty("dvmc.bench.pids"), "server");
            cpu.start();
            if (timelineFile != null)
            {
                storm.timeline = new Timeline(seconds);
            }
            System.err.printf(Locale.ROOT, "%s: renewing for %d s%s%n", label, seconds,
                rate > 0 ? " at " + rate + "/s" : "");
            final long renewalsSent = rate > 0 ? storm.renewPaced(seconds, rate) : storm.renew(seconds);
            final Histogram h = storm.renewals;
            System.out.printf(Locale.ROOT,
                "%s bound=%d renewals=%d answered=%d naks=%d lost=%d seconds=%d p50_ms=%.3f p99_ms=%.3f " +
                    "p99.9_ms=%.3f %s%n",
                label, bound, renewalsSent, h.getTotalCount(), storm.naks, storm.lost.get(), seconds,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, cpu.perOperation(h.getTotalCount()));
            channel.close();
            receiver.join(1000);
            if (storm.timeline != null)
            {
                storm.timeline.write(Path.of(timelineFile));
            }
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
        lost.set(0);
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

    /**
     * Renewals of the bound clients in turn, {@code rate} a second for {@code seconds}, whether answered or not (the
     * window only bounds what is in flight); the number sent.
     */
    private long renewPaced(final long seconds, final int rate) throws IOException, InterruptedException
    {
        // A second's renewals are in flight at most when none is answered (then lost after the drop time): twice
        // that, and the pace never waits for a slot.
        final int wider = Math.max(0, 2 * rate - windowSize);
        windowSize += wider;
        window.release(wider);
        lost.set(0);
        long sent = 0;
        final long start = System.nanoTime();
        final long duration = TimeUnit.SECONDS.toNanos(seconds);
        int client = 0;
        while (true)
        {
            final long now = System.nanoTime();
            if (now - start >= duration)
            {
                break;
            }
            final long due = (now - start) * rate / 1_000_000_000L;
            while (sent < due)
            {
                client = nextBound(client);
                if (client < 0)
                {
                    drain();
                    return sent;
                }
                acquire();
                send(senderOut, KIND_RENEWING, client, 0, 0);
                sent++;
            }
            expire(now);
            LockSupport.parkNanos(PACE_NS);
        }
        drain();
        return sent;
    }

    /** The next bound client after {@code client}, in turn; -1 when none is bound (every one NAKed). */
    private int nextBound(final int client)
    {
        for (int i = 1; i <= bound.length; i++)
        {
            final int next = (client + i) % bound.length;
            if (bound[next] != 0)
            {
                return next;
            }
        }
        return -1;
    }

    /** A window slot; while none is free, expires what is older than the drop time. */
    private void acquire() throws InterruptedException
    {
        while (!window.tryAcquire(10, TimeUnit.MILLISECONDS))
        {
            expire(System.nanoTime());
        }
    }

    /**
     * Waits for what is in flight to be answered or lost. Every slot is looked at ({@link #expireAll}), not only
     * those from the expiry cursor on: a request whose slot the cursor passed before its send time was set (the
     * receiver sends a client's REQUEST while the sender expires) is found too. A permit still missing when nothing
     * is in flight any more is reported and counted lost, so a run always ends.
     */
    private void drain() throws InterruptedException
    {
        long idleSince = 0;
        while (window.availablePermits() < windowSize)
        {
            final long now = System.nanoTime();
            if (expireAll(now) > 0)
            {
                idleSince = 0;
            }
            else if (idleSince == 0)
            {
                idleSince = now;
            }
            else if (now - idleSince > DROP_NS)
            {
                final int missing = windowSize - window.availablePermits();
                System.err.printf(Locale.ROOT, "renewal storm: %d window slot(s) held by no request in flight, " +
                    "counted lost%n", missing);
                lost.addAndGet(missing);
                window.release(missing);
                return;
            }
            Thread.sleep(10);
        }
    }

    /** Every slot still in flight past the drop time is lost; the number still in flight. */
    private int expireAll(final long now)
    {
        int inFlight = 0;
        for (int slot = 0; slot < SLOTS; slot++)
        {
            final long at = sentAt.get(slot);
            if (at > 0)
            {
                if (now - at < DROP_NS)
                {
                    inFlight++;
                }
                else
                {
                    loseInFlight(slot, at);
                }
            }
        }
        return inFlight;
    }

    /** Claims the request in {@code slot}, sent at {@code at}, as lost, unless an answer claimed it first. */
    private void loseInFlight(final int slot, final long at)
    {
        if (sentAt.compareAndSet(slot, at, -at))
        {
            lost.incrementAndGet();
            if (timeline != null && slotKind[slot] == KIND_RENEWING)
            {
                timeline.lost[timeline.ms(at)]++;
            }
            window.release();
        }
    }

    /** From the oldest xid on: each one older than the drop time is lost; stops at the first still young. */
    private void expire(final long now)
    {
        while (expireCursor != nextXid.get())
        {
            final int slot = expireCursor & MASK;
            final long at = sentAt.get(slot);
            if (at > 0 && now - at < DROP_NS)
            {
                return;
            }
            if (at > 0)
            {
                loseInFlight(slot, at);
            }
            expireCursor++;
        }
    }

    private void send(final ByteBuffer out, final byte kind, final int client, final int requestedIp,
        final int serverId) throws IOException
    {
        final int xid = nextXid.getAndIncrement();
        final int slot = xid & MASK;
        final long previous = sentAt.get(slot);
        if (previous > 0)
        {
            // Still unanswered after SLOTS later requests: the cursor expires only while the window is full, which a
            // server that answers fast but drops a few never fills. Lost now, before its slot and permit are reused.
            loseInFlight(slot, previous);
        }
        slotXid[slot] = xid;
        slotClient[slot] = client;
        slotKind[slot] = kind;
        final int type = kind == KIND_DISCOVER ? DhcpMessageType.DISCOVER : DhcpMessageType.REQUEST;
        final int ciaddr = kind == KIND_RENEWING ? bound[client] : 0;
        RelayedDhcp.request(out, type, xid, macBase | client, ciaddr, giaddr, requestedIp, serverId);
        final long now = System.nanoTime();
        sentAt.set(slot, now);
        if (timeline != null && kind == KIND_RENEWING)
        {
            timeline.sent[timeline.ms(now)]++;
        }
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
                if (at < 0 && slotXid[slot] == packet.xid() && sentAt.compareAndSet(slot, at, 0))
                {
                    final Timeline t = timeline;
                    if (t != null && slotKind[slot] == KIND_RENEWING)
                    {
                        t.late[t.ms(-at)]++;
                    }
                    continue;
                }
                if (at <= 0 || slotXid[slot] != packet.xid() || !sentAt.compareAndSet(slot, at, 0))
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
                        if (timeline != null)
                        {
                            timeline.answered[timeline.ms(at)]++;
                            timeline.arrived[timeline.ms(now)]++;
                        }
                    }
                    bound[client] = packet.yiaddr();
                }
                else if (type == DhcpMessageType.NAK)
                {
                    naks += slotKind[slot] == KIND_RENEWING ? 1 : 0;
                    if (timeline != null && slotKind[slot] == KIND_RENEWING)
                    {
                        timeline.naked[timeline.ms(at)]++;
                        timeline.arrived[timeline.ms(now)]++;
                    }
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

    /**
     * Counts per millisecond from the start of the renewing phase, by the renewal's send time (sent, answered,
     * NAKed, lost) or by the answer's arrival. The sender writes sent and lost, the receiver the rest, each before
     * it frees the window slot that {@link #drain} waits for; they are read after it.
     */
    private static final class Timeline
    {
        /** The drain after the phase: answers and drops up to the drop time after its end. */
        private static final int TAIL_MS = 3_000;

        private final long startNs = System.nanoTime();
        private final long startEpochMs = System.currentTimeMillis();
        private final int[] sent;
        private final int[] answered;
        private final int[] naked;
        private final int[] lost;
        private final int[] late;
        private final int[] arrived;

        Timeline(final long seconds)
        {
            final int length = (int)(seconds * 1000) + TAIL_MS;
            sent = new int[length];
            answered = new int[length];
            naked = new int[length];
            lost = new int[length];
            late = new int[length];
            arrived = new int[length];
        }

        int ms(final long nanoTime)
        {
            return (int)Math.min(sent.length - 1, Math.max(0, (nanoTime - startNs) / 1_000_000));
        }

        /**
         * {@code # start_epoch_ms E}, then {@code ms sent answered naked lost late arrived} for each busy
         * millisecond.
         */
        void write(final Path file) throws IOException
        {
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file)))
            {
                out.println("# start_epoch_ms " + startEpochMs);
                for (int i = 0; i < sent.length; i++)
                {
                    if ((sent[i] | answered[i] | naked[i] | lost[i] | late[i] | arrived[i]) != 0)
                    {
                        out.printf(Locale.ROOT, "%d %d %d %d %d %d %d%n", i, sent[i], answered[i], naked[i], lost[i],
                            late[i], arrived[i]);
                    }
                }
            }
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
