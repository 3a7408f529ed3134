package io.dvmc.port;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EAL init failures are typed with DPDK's text; init pins the calling thread and the threads it starts later. */
class EalInitTest
{

    @Test
    void badArgumentsFailWithATypedErrorThenInitPinsTheThread() throws Exception
    {
        ForkedJvm.Result r = ForkedJvm.run(InitMain.class, Duration.ofSeconds(90));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(22, r.longValue("bad.errno"), r.output());
        assertTrue(r.value("bad.message").contains("Invalid argument"), r.output());
        // Pinned to the main lcore's CPU, the first allowed one (Eal.noHugeArgs), and so is a thread started after.
        String mainCpu = r.value("affinity.before").split("[-,]")[0];
        assertEquals(mainCpu, r.value("affinity.after"), r.output());
        assertEquals(mainCpu, r.value("affinity.child"), r.output());
        assertEquals(114, r.longValue("after.close.errno"), r.output());
    }

    static String affinity() throws IOException
    {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
        {
            if (line.startsWith("Cpus_allowed_list:"))
            {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "?";
    }

    /** Forked: a refused init, a good one, the affinity it leaves, and a refused second init. */
    public static final class InitMain
    {

        public static void main(String[] args) throws Exception
        {
            System.out.println("affinity.before " + affinity());
            try
            {
                Eal.init(List.of("--no-such-eal-option"));
                throw new AssertionError("bad arguments accepted");
            }
            catch (EalException e)
            {
                System.out.println("bad.errno " + e.errno());
                System.out.println("bad.message " + e.getMessage());
            }
            RingPortTest.check(!Eal.initialized(), "a failed init leaves the EAL uninitialized");
            Eal eal = Eal.init(Eal.noHugeArgs(64));
            System.out.println("consumed " + eal.consumedArgs());
            System.out.println("affinity.after " + affinity());
            String[] child = new String[1];
            Thread t = new Thread(() -> {
                try
                {
                    child[0] = affinity();
                }
                catch (IOException e)
                {
                    child[0] = e.toString();
                }
            });
            t.start();
            t.join(20_000);
            System.out.println("affinity.child " + child[0]);
            eal.close();
            try
            {
                Eal.init(Eal.noHugeArgs(64));
                throw new AssertionError("second init accepted");
            }
            catch (EalException e)
            {
                System.out.println("after.close.errno " + e.errno());
            }
        }
    }
}
