package io.dvmc.port;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** net_pcap, unprivileged (tier 2): frames from an rx pcap are received and sent unchanged into a tx pcap. */
class PcapPortTest
{

    @TempDir
    Path dir;

    @Test
    void echoesEveryFrameByteForByteAndCountsThem() throws Exception
    {
        List<byte[]> frames = TestFrames.assorted(7);
        Path in = dir.resolve("in.pcap");
        Path out = dir.resolve("out.pcap");
        PcapFile.write(in, frames);

        ForkedJvm.Result r = ForkedJvm.run(Echo.class, Duration.ofSeconds(90),
            in.toString(), out.toString(), Integer.toString(frames.size()));
        assertEquals(0, r.exitCode(), r.output());

        List<byte[]> sent = PcapFile.read(out);
        assertEquals(frames.size(), sent.size(), r.output());
        long bytes = 0;
        for (int i = 0; i < frames.size(); i++)
        {
            assertArrayEquals(frames.get(i), sent.get(i), "frame " + i);
            bytes += frames.get(i).length;
        }
        assertEquals(frames.size(), r.longValue("ipackets"), r.output());
        assertEquals(frames.size(), r.longValue("opackets"), r.output());
        assertEquals(bytes, r.longValue("ibytes"), r.output());
        assertEquals(bytes, r.longValue("obytes"), r.output());
        assertEquals(bytes, r.longValue("rxbytes"), r.output());
        assertEquals(0, r.longValue("inuse"), r.output());
        assertEquals(1, r.longValue("segments"), r.output());
    }

    /** Forked: args IN OUT COUNT. Receives COUNT frames from net_pcap0, sends them back, prints counters. */
    public static final class Echo
    {

        public static void main(String[] args)
        {
            String in = args[0];
            String out = args[1];
            int count = Integer.parseInt(args[2]);
            IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            try (Eal eal = Eal.init(Eal.noHugeArgs(128, "net_pcap0,rx_pcap=" + in + ",tx_pcap=" + out));
                MbufPool pool = MbufPool.create("echo", 1023);
                MbufBurst burst = new MbufBurst(64))
            {
                EthPort port = EthPort.byName("net_pcap0");
                port.setup(pool, 256, 256);
                System.out.println("ports " + EthPort.count());
                System.out.println("port " + port.id() + " " + port.name() + " mac " + Long.toHexString(port.mac()));
                int received = 0;
                long rxBytes = 0;
                int maxSegments = 0;
                while (received < count && System.nanoTime() < deadline)
                {
                    int n = port.rxBurst(burst);
                    for (int i = 0; i < n; i++)
                    {
                        long m = burst.mbuf(i);
                        rxBytes += Mbufs.dataLength(m);
                        maxSegments = Math.max(maxSegments, Mbufs.segments(m));
                        if (Mbufs.packetLength(m) != Mbufs.dataLength(m) || Mbufs.port(m) != port.id())
                        {
                            throw new AssertionError("mbuf metadata");
                        }
                    }
                    int sent = 0;
                    while (sent < n && System.nanoTime() < deadline)
                    {
                        sent += port.txBurst(burst, sent, n - sent);
                    }
                    burst.freeAll(sent, n - sent);
                    received += n;
                    idle.idle(n);
                }
                PortStats stats = new PortStats();
                if (!port.stats(stats))
                {
                    throw new AssertionError("no stats");
                }
                System.out.println("received " + received);
                System.out.println("rxbytes " + rxBytes);
                System.out.println("segments " + maxSegments);
                System.out.println("ipackets " + stats.ipackets());
                System.out.println("opackets " + stats.opackets());
                System.out.println("ibytes " + stats.ibytes());
                System.out.println("obytes " + stats.obytes());
                System.out.println("inuse " + pool.inUse());
                port.close();
            }
        }
    }
}
