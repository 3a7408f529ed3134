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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * net_pcap, unprivileged (tier 2): a port set up with a queue pair per lane receives each rx queue's frames on that
 * queue only and sends each tx queue's into its own file; a port with fewer queues than lanes is refused with what
 * would give it more.
 */
class QueuePairsTest
{
    @TempDir
    Path dir;

    @Test
    void eachQueueOfAPortWithTwoQueuePairsCarriesItsOwnFramesBothWays() throws Exception
    {
        final List<byte[]> first = TestFrames.assorted(5);
        final List<byte[]> second = TestFrames.assorted(9).subList(5, 9);
        final Path in0 = dir.resolve("in0.pcap");
        final Path in1 = dir.resolve("in1.pcap");
        PcapFile.write(in0, first);
        PcapFile.write(in1, second);
        final Path out0 = dir.resolve("out0.pcap");
        final Path out1 = dir.resolve("out1.pcap");

        final ForkedJvm.Result r = ForkedJvm.run(EchoPerQueue.class, Duration.ofSeconds(90),
            "net_pcap0,rx_pcap=" + in0 + ",rx_pcap=" + in1 + ",tx_pcap=" + out0 + ",tx_pcap=" + out1,
            Integer.toString(first.size() + second.size()));
        assertEquals(0, r.exitCode(), r.output());

        assertEquals(first.size(), r.longValue("queue0"), r.output());
        assertEquals(second.size(), r.longValue("queue1"), r.output());
        assertFrames(first, PcapFile.read(out0));
        assertFrames(second, PcapFile.read(out1));
    }

    @Test
    void aPortWithOneQueuePairIsRefusedTwoLanesWithWhatWouldGiveItMore() throws Exception
    {
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, List.of());
        final ForkedJvm.Result r = ForkedJvm.run(EchoPerQueue.class, Duration.ofSeconds(90),
            "net_pcap0,rx_pcap=" + in + ",tx_pcap=" + dir.resolve("out.pcap"), "0");

        assertEquals(3, r.exitCode(), r.output());
        assertTrue(r.output().contains("port net_pcap0 has at most 1 rx and 1 tx queues and 2 lanes need one pair " +
            "each") && r.output().contains("net_af_packet qpairs=N"), r.output());
    }

    private static void assertFrames(final List<byte[]> expected, final List<byte[]> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertArrayEquals(expected.get(i), actual.get(i), "frame " + i);
        }
    }

    /**
     * Forked: args DEVICE COUNT. Sets net_pcap0 up with two queue pairs, sends each frame back on the queue it came
     * from until COUNT arrived, and prints how many each rx queue had; exits 3 with the refusal if the port has not
     * two.
     */
    public static final class EchoPerQueue
    {
        public static void main(final String[] args)
        {
            final int count = Integer.parseInt(args[1]);
            final IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            try (Eal eal = Eal.init(Eal.noHugeArgs(128, args[0]));
                MbufPool pool = MbufPool.create("lanes", 1023);
                MbufBurst burst = new MbufBurst(64))
            {
                final EthPort port = EthPort.byName("net_pcap0");
                try
                {
                    port.setup(pool, 256, 256, 2);
                }
                catch (final EalException ex)
                {
                    System.out.println(ex.getMessage());
                    System.exit(3);
                }
                final int[] received = new int[2];
                while (received[0] + received[1] < count && System.nanoTime() < deadline)
                {
                    int n = 0;
                    for (int queue = 0; queue < 2; queue++)
                    {
                        final int got = port.rxBurst(queue, burst);
                        int sent = 0;
                        while (sent < got && System.nanoTime() < deadline)
                        {
                            sent += port.txBurst(queue, burst, sent, got - sent);
                        }
                        burst.freeAll(sent, got - sent);
                        received[queue] += got;
                        n += got;
                    }
                    idle.idle(n);
                }
                System.out.println("queue0 " + received[0]);
                System.out.println("queue1 " + received[1]);
                port.close();
            }
        }
    }
}
