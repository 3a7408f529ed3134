package io.dvmc.port;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** vdev hot-plug on a running EAL (tier 2): add, use and remove net_ring and net_null ports in one process. */
class HotplugTest
{

    @Test
    void addsUsesAndRemovesVdevs() throws Exception
    {
        ForkedJvm.Result r = ForkedJvm.run(Plug.class, Duration.ofSeconds(90));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(0, r.longValue("ports.start"), r.output());
        assertEquals(1, r.longValue("ports.ring"), r.output());
        assertEquals(2, r.longValue("ports.both"), r.output());
        assertEquals(1, r.longValue("ports.ring.removed"), r.output());
        assertEquals(0, r.longValue("ports.end"), r.output());
        assertEquals(8, r.longValue("ring.received"), r.output());
        assertEquals(17, r.longValue("add.twice.errno"), r.output());
        assertEquals(0, r.longValue("inuse.end"), r.output());
    }

    /** Forked: an EAL without vdevs, then hot-plugged ones. */
    public static final class Plug
    {

        public static void main(String[] args)
        {
            try (Eal eal = Eal.init(Eal.noHugeArgs(64));
                MbufPool pool = MbufPool.create("plug", 255);
                MbufBurst burst = new MbufBurst(32))
            {
                System.out.println("ports.start " + EthPort.count());

                VdevHotplug.add("net_ring1", "");
                System.out.println("ports.ring " + EthPort.count());
                EthPort ring = EthPort.byName("net_ring1");
                ring.setup(pool, 128, 128);
                RingPortTest.check(burst.allocBulk(pool, 8), "alloc");
                for (int i = 0; i < 8; i++)
                {
                    Mbufs.setLength(burst.mbuf(i), 60);
                }
                RingPortTest.check(ring.txBurst(burst, 0, 8) == 8, "tx");
                int n = ring.rxBurst(burst);
                System.out.println("ring.received " + n);
                burst.freeAll(0, n);

                VdevHotplug.add("net_null0", "size=64");
                System.out.println("ports.both " + EthPort.count());
                EthPort nul = EthPort.byName("net_null0");
                nul.setup(pool, 128, 128);
                int got = nul.rxBurst(burst);
                RingPortTest.check(got == 32 && Mbufs.dataLength(burst.mbuf(0)) == 64, "null rx " + got);
                RingPortTest.check(nul.txBurst(burst, 0, got) == got, "null tx frees");

                try
                {
                    VdevHotplug.add("net_ring1", "");
                    RingPortTest.check(false, "adding a present vdev must fail");
                }
                catch (EalException e)
                {
                    System.out.println("add.twice.errno " + e.errno());
                }

                ring.close();
                VdevHotplug.remove("net_ring1");
                System.out.println("ports.ring.removed " + EthPort.count());
                // Removing a started port releases it too.
                VdevHotplug.remove("net_null0");
                System.out.println("ports.end " + EthPort.count());
                try
                {
                    EthPort.byName("net_ring1");
                    RingPortTest.check(false, "removed port must be gone");
                }
                catch (EalException expected)
                {
                    System.out.println("gone " + expected.getMessage());
                }
                try
                {
                    VdevHotplug.remove("net_ring9");
                    RingPortTest.check(false, "removing an absent vdev must fail");
                }
                catch (EalException expected)
                {
                    System.out.println("absent " + expected.getMessage());
                }
                System.out.println("inuse.end " + pool.inUse());
            }
        }
    }
}
