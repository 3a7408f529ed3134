package io.dvmc.service;

import io.dvmc.policy.FilePolicyStore;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * The service-writer JVM of {@link JournalCrashTest}: serves a policy with a journal in a given directory, prints
 * {@code READY <port>}, and runs until it is killed.
 */
public final class CrashTestService
{
    private CrashTestService()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final DvmcService service = new DvmcService(new FilePolicyStore(Path.of(args[0])),
            new InetSocketAddress("127.0.0.1", 0), TestAgent.KEY, Path.of(args[1]), Clock.systemUTC(),
            new BackoffIdleStrategy()).start();
        System.out.println("READY " + service.localAddress().getPort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
