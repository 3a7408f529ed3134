package io.dvmc.config;

import java.util.concurrent.CountDownLatch;

/**
 * How every dvmc process ends: on SIGTERM or SIGINT it closes what it started, then the JVM exits. SIGHUP never
 * ends it ({@link Hangup}). A process reaches here once it serves, so this is also where it tells its service
 * manager so ({@link ServiceManager}).
 */
public final class Lifecycle
{
    private Lifecycle()
    {
    }

    /**
     * Blocks the calling (main) thread until the JVM shuts down, closing {@code running} in the shutdown hook. The
     * hook does not wait for the caller, so a caller blocked here cannot deadlock the shutdown. Sends
     * {@code READY=1} to the service manager, if any, first: {@code running} serves by now.
     */
    public static void runUntilShutdown(final AutoCloseable running, final String name) throws InterruptedException
    {
        Hangup.survive(name);
        final CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try
            {
                ServiceManager.stopping();
                running.close();
            }
            catch (final Exception ex)
            {
                System.err.println(name + ": error while stopping: " + ex);
            }
            finally
            {
                closed.countDown();
            }
        }, name + "-shutdown"));
        ServiceManager.ready(name + " is running");
        closed.await();
    }
}
