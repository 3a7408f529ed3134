package io.dvmc.port;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * net_ring, unprivileged (tier 2): a --vdev=net_ring0 port sends into the ring it receives from, so mbufs written
 * in Java come back with the same bytes; pool accounting, mbuf metadata accessors and thread registration.
 */
class RingPortTest
{

    static final int BURST = 32;
    static final int POOL = 511;

    @Test
    void roundTripsMbufsAndAccountsForThePool() throws Exception
    {
        ForkedJvm.Result r = ForkedJvm.run(RoundTrip.class, Duration.ofSeconds(90));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(BURST, r.longValue("received"), r.output());
        assertEquals(BURST, r.longValue("opackets"), r.output());
        assertEquals(BURST, r.longValue("ipackets"), r.output());
        assertEquals(0, r.longValue("inuse.end"), r.output());
        assertEquals(POOL, r.longValue("avail.end"), r.output());
        assertEquals(BURST, r.longValue("inuse.allocated"), r.output());
        assertEquals(114, r.longValue("second.init.errno"), r.output());
    }

    static void check(boolean condition, String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }

    /** Forked: one EAL with net_ring0. */
    public static final class RoundTrip
    {

        public static void main(String[] args) throws Exception
        {
            IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
            try (Eal eal = Eal.init(Eal.noHugeArgs(64, "net_ring0"));
                MbufPool pool = MbufPool.create("ring", POOL);
                MbufBurst out = new MbufBurst(BURST);
                MbufBurst in = new MbufBurst(BURST);
                MbufBurst big = new MbufBurst(POOL + 1))
            {
                check(Eal.lcoreId() == 0, "init thread has the main lcore, not " + Eal.lcoreId());
                check(pool.avail() == POOL && pool.inUse() == 0, "fresh pool");
                EthPort port = EthPort.byName("net_ring0");
                check(EthPort.byId(port.id()).name().equals("net_ring0"), "byId name");
                port.setup(pool, 256, 256);
                check(port.linkUp(), "ring link up");

                check(out.allocBulk(pool, BURST), "alloc bulk");
                System.out.println("inuse.allocated " + pool.inUse());
                UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
                byte[][] frames = new byte[BURST][];
                for (int i = 0; i < BURST; i++)
                {
                    long m = out.mbuf(i);
                    check(Mbufs.headroom(m) == Mbufs.DEFAULT_HEADROOM, "headroom " + Mbufs.headroom(m));
                    check(Mbufs.dataLength(m) == 0 && Mbufs.segments(m) == 1 && Mbufs.next(m) == 0, "fresh mbuf");
                    check(Mbufs.capacity(m) == Mbufs.bufferLength(m) - Mbufs.DEFAULT_HEADROOM, "capacity");
                    frames[i] = TestFrames.udp(60 + i, i);
                    Mbufs.wrapForWrite(buffer, m).putBytes(0, frames[i]);
                    Mbufs.setLength(m, frames[i].length);
                    check(Mbufs.packetLength(m) == frames[i].length, "pkt_len");
                    check(Mbufs.tailroom(m) == Mbufs.capacity(m) - frames[i].length, "tailroom");
                }
                int sent = port.txBurst(out, 0, BURST);
                check(sent == BURST, "sent " + sent);
                int received = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (received < BURST && System.nanoTime() < deadline)
                {
                    int n = port.rxBurst(in);
                    for (int i = 0; i < n; i++)
                    {
                        long m = in.mbuf(i);
                        check(m == out.mbuf(received), "same mbuf in order");
                        byte[] got = new byte[Mbufs.dataLength(m)];
                        Mbufs.wrap(buffer, m).getBytes(0, got);
                        check(Arrays.equals(frames[received], got), "bytes of frame " + received);
                        received++;
                    }
                    in.freeAll(0, n);
                    idle.idle(n);
                }
                System.out.println("received " + received);

                check(!big.allocBulk(pool, POOL + 1), "alloc beyond the pool fails");
                check(pool.inUse() == 0, "failed bulk alloc takes nothing");
                check(big.allocBulk(pool, POOL) && pool.avail() == 0, "alloc the whole pool");
                big.freeAll(0, POOL);

                // Another thread has no lcore until it registers.
                int[] lcores = new int[3];
                Thread t = new Thread(() -> {
                    lcores[0] = Eal.lcoreId();
                    lcores[1] = Eal.registerThread();
                    lcores[2] = Eal.lcoreId();
                    Eal.unregisterThread();
                });
                t.start();
                t.join(20_000);
                check(lcores[0] == -1 && lcores[1] > 0 && lcores[2] == lcores[1], "lcores " + Arrays.toString(lcores));

                try
                {
                    Eal.init(Eal.noHugeArgs(64));
                    check(false, "a second init must fail");
                }
                catch (EalException e)
                {
                    System.out.println("second.init.errno " + e.errno());
                }

                PortStats stats = new PortStats();
                check(port.stats(stats), "stats");
                System.out.println("opackets " + stats.opackets());
                System.out.println("ipackets " + stats.ipackets());
                port.resetStats();
                check(port.stats(stats) && stats.ipackets() == 0, "reset stats");
                System.out.println("inuse.end " + pool.inUse());
                System.out.println("avail.end " + pool.avail());
                port.close();
            }
        }
    }
}
