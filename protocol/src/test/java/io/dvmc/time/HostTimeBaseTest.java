package io.dvmc.time;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostTimeBaseTest
{
    private static final long START = 1_780_000_000_000L;
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    private final SteppedClocks host = new SteppedClocks(START);

    @Test
    void whicheverProcessComesFirstToAFreshStateDirectoryCreatesIt() throws IOException
    {
        final Path fresh = dir.resolve("state").resolve("host1");

        final MonotonicClock dataplane = HostTimeBase.open(fresh, "boot-a", host, host).clock();

        assertEquals(dataplane.originMillis(), HostTimeBase.open(fresh, "boot-a", host, host).clock().originMillis());
    }

    @Test
    void theAgentAndTheDataplaneOfOneBootReadOneClock() throws IOException
    {
        final MonotonicClock agent = HostTimeBase.open(dir, "boot-a", host, host).clock();
        host.pass(5_000);
        final MonotonicClock dataplane = HostTimeBase.open(dir, "boot-a", host, host).clock();

        assertEquals(agent.originMillis(), dataplane.originMillis());
        assertEquals(START + 5_000, dataplane.time());
        assertEquals(agent.time(), dataplane.time());
    }

    @Test
    void aStepOfTheWallClockEitherWayMovesNeitherProcesssClock() throws IOException
    {
        final MonotonicClock agent = HostTimeBase.open(dir, "boot-a", host, host).clock();
        host.pass(1_000);

        host.step(-HOUR);
        final MonotonicClock dataplane = HostTimeBase.open(dir, "boot-a", host, host).clock();
        host.pass(1_000);
        assertEquals(START + 2_000, agent.time());
        assertEquals(START + 2_000, dataplane.time());

        host.step(2 * HOUR);
        host.pass(1_000);
        assertEquals(START + 3_000, agent.time());
        assertEquals(START + 3_000, dataplane.time());
    }

    @Test
    void whatLeavesTheHostAsAWallClockTimeFollowsTheSteps() throws IOException
    {
        final MonotonicClock clock = HostTimeBase.open(dir, "boot-a", host, host).clock();
        final long expiry = clock.time() + 60_000;

        host.step(HOUR);

        assertEquals(expiry + HOUR, clock.toWall(expiry));
        assertEquals(expiry, clock.fromWall(expiry + HOUR));
    }

    @Test
    void aNewBootStartsANewTimeBaseAndRemovesTheLastBootsOne() throws IOException
    {
        HostTimeBase.open(dir, "boot-a", host, host);
        host.pass(10_000);

        final SteppedClocks rebooted = new SteppedClocks(START + 10_000);
        final HostTimeBase next = HostTimeBase.open(dir, "boot-b", rebooted, rebooted);

        assertEquals("boot-b", next.bootId());
        assertEquals(START + 10_000, next.clock().time());
        assertFalse(Files.exists(dir.resolve(HostTimeBase.FILE_PREFIX + "boot-a")));
        assertTrue(Files.exists(dir.resolve(HostTimeBase.FILE_PREFIX + "boot-b")));
    }

    @Test
    void aDamagedTimeBaseIsAClearErrorNotAGuess() throws IOException
    {
        Files.writeString(dir.resolve(HostTimeBase.FILE_PREFIX + "boot-a"), "boot-a 17 x\n");

        final IOException error = assertThrows(IOException.class, () -> HostTimeBase.open(dir, "boot-a", host, host));
        assertTrue(error.getMessage().contains("damaged time base"), error.getMessage());
    }

    @Test
    void theKernelNamesThisBoot() throws IOException
    {
        assertTrue(HostTimeBase.currentBootId().matches("[0-9a-f-]{36}"), HostTimeBase.currentBootId());
    }
}
