package io.dvmc.port;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rx rate of a Java poll loop over net_pcap with infinite_rx=1 (the PMD replays its frames forever): rx burst and
 * bulk free, optionally reading a few header bytes of every frame through an UnsafeBuffer. A measurement tool, not a
 * test (DESIGN section 7: no timed assertions); one EAL per process, so run it in its own JVM:
 *
 * <pre>
 * java @deploy/jvm.options -Ddvmc.native.dir=native/build \
 *   -cp "dataplane/target/test-classes:dataplane/target/classes:dataplane/target/lib/*" \
 *   io.dvmc.port.PortRxRateMain SECONDS free|inspect [BURST] [FRAME_BYTES]
 * </pre>
 *
 * Prints one line: {@code rate mode=.. burst=.. frame=.. critical=.. packets=.. seconds=.. mpps=..}.
 */
public final class PortRxRateMain
{

    private PortRxRateMain()
    {
    }

    public static void main(String[] args) throws Exception
    {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        boolean inspect = args.length > 1 && args[1].equals("inspect");
        int burstSize = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int frameBytes = args.length > 3 ? Integer.parseInt(args[3]) : 64;

        Path dir = Files.createTempDirectory("dvmc-rxrate");
        Path in = dir.resolve("in.pcap");
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 256; i++)
        {
            frames.add(TestFrames.udp(frameBytes, i));
        }
        PcapFile.write(in, frames);
        try (Eal eal = Eal.init(Eal.noHugeArgs(256, "net_pcap0,rx_pcap=" + in + ",infinite_rx=1"));
            MbufPool pool = MbufPool.create("rxrate", 8191);
            MbufBurst burst = new MbufBurst(burstSize))
        {
            EthPort port = EthPort.byName("net_pcap0");
            port.setup(pool, 1024, 1024);
            UnsafeBuffer frame = new UnsafeBuffer(0, 0);
            // Warm up (JIT), then measure.
            loop(port, burst, frame, inspect, 1_000_000_000L);
            long start = System.nanoTime();
            long[] result = loop(port, burst, frame, inspect, (long)(seconds * 1e9));
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("rate mode=%s burst=%d frame=%d critical=%s packets=%d seconds=%.2f mpps=%.2f sum=%d%n",
                inspect ? "inspect" : "free", burstSize, frameBytes,
                !"false".equals(System.getProperty("dvmc.ffm.critical")), result[0], elapsed,
                result[0] / elapsed / 1e6, result[1]);
            port.close();
        }
        finally
        {
            Files.deleteIfExists(in);
            Files.deleteIfExists(dir);
        }
    }

    /** Returns {packets, checksum of inspected bytes}. */
    static long[] loop(EthPort port, MbufBurst burst, UnsafeBuffer frame, boolean inspect, long nanos)
    {
        long packets = 0;
        long sum = 0;
        long end = System.nanoTime() + nanos;
        int rounds = 0;
        while (true)
        {
            int n = port.rxBurst(burst);
            if (inspect)
            {
                for (int i = 0; i < n; i++)
                {
                    Mbufs.wrap(frame, burst.mbuf(i));
                    // EtherType, IP protocol, UDP destination port: what classification reads first.
                    sum += frame.getShort(12) + frame.getByte(23) + frame.getShort(36);
                }
            }
            burst.freeAll(0, n);
            packets += n;
            if ((++rounds & 0xff) == 0 && System.nanoTime() >= end)
            {
                return new long[]{packets, sum};
            }
        }
    }
}
