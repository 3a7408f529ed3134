package io.dvmc.e2e;

import io.dvmc.agent.HostAgentMain;
import io.dvmc.dataplane.Dataplane;
import io.dvmc.lab.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The units are {@code Type=notify} (deploy/systemd): systemd holds back what is ordered after a dvmc unit until the
 * process sends {@code READY=1} on {@code NOTIFY_SOCKET}. Each process here is started as systemd starts it, with
 * a socket of the test as its service manager's.
 */
class ServiceManagerReadinessTest
{
    private static final Duration NOTICE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void eachProcessTellsItsServiceManagerItIsReadyOnceItServesAndThatItStopsWhenStopped() throws Exception
    {
        try (DvmcHost host = new DvmcHost(dir, List.of(new DvmcHost.Port("vm1", "net_null0")), List.of(), null);
            NotifySocket service = NotifySocket.bind(dir.resolve("service.notify"));
            NotifySocket agent = NotifySocket.bind(dir.resolve("agent.notify"));
            NotifySocket dataplane = NotifySocket.bind(dir.resolve("dataplane.notify")))
        {
            host.underServiceManager(dir);
            host.startService();
            final String serviceReady = service.await("READY=1", NOTICE);
            assertNotNull(serviceReady, "the service's READY=1\n" + host.logs());
            assertTrue(serviceReady.contains("STATUS=dvmc service is running"), serviceReady);

            host.launchAgent();
            assertNotNull(agent.await("READY=1", DvmcHost.START), "the agent's READY=1\n" + host.logs());
            assertTrue(Files.exists(host.stateDir().resolve(HostAgentMain.READY_FILE)),
                "the agent's ready file is written before its READY=1");

            host.startDataplane();
            assertNotNull(dataplane.await("READY=1", NOTICE), "the dataplane's READY=1\n" + host.logs());
            assertTrue(Files.exists(host.stateDir().resolve(Dataplane.READY_FILE)));

            host.dataplane().stop(Duration.ofSeconds(20));
            assertNotNull(dataplane.await("STOPPING=1", NOTICE), "the dataplane's STOPPING=1\n" + host.logs());
        }
    }
}
