package io.dvmc.service;

import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.lab.Await;
import io.dvmc.lab.Prerequisites;
import io.dvmc.service.ServiceCounters.Counter;
import io.dvmc.service.TestAgent.Reply;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.dvmc.service.TestPolicies.BLUE;
import static io.dvmc.service.TestPolicies.FIRST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease journal on a disk that fills up, for real: a small tmpfs mounted for the test, filled with a file until
 * the kernel answers ENOSPC, then freed again.
 */
class JournalFullDiskTest
{
    private static final long MAC = 0x020000000001L;
    /** Records in a page of the journal, header included. */
    private static final int RECORDS_PER_PAGE = 4096 / JournalRecord.LENGTH;
    /** Records the zeros written ahead at the first append hold: the next append needs room the disk lacks. */
    private static final int RECORDS_AHEAD = LeaseJournal.PREALLOCATE_BYTES / JournalRecord.LENGTH;

    @TempDir
    Path dir;

    private Path disk;
    private Path filler;
    private final MutableClock clock = new MutableClock(System.currentTimeMillis());
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void mountASmallDisk() throws Exception
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("mount");
        disk = Files.createDirectory(dir.resolve("disk"));
        run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", disk.toString());
        filler = disk.resolve("filler");
    }

    @AfterEach
    void unmount() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
        if (disk != null)
        {
            // Lazily: the service keeps its counters file mapped after close, for late readers.
            run("umount", "--lazy", disk.toString());
        }
    }

    @Test
    void aFullDiskLeavesRequestsUnansweredCountedAndLoggedAndServiceResumesWhenSpaceIsFreed() throws Exception
    {
        final DvmcService service = new DvmcService(TestPolicies.policy(), new InetSocketAddress("127.0.0.1", 0),
            TestAgent.KEY, disk, clock, clock, new BackoffIdleStrategy()).start();
        closeables.add(service);
        // Real time for the agent: its retransmissions are re-stamped, and a frozen clock would never retransmit.
        final TestAgent agent = new TestAgent(System::currentTimeMillis);
        closeables.add(agent);
        final InetSocketAddress at = service.localAddress();
        assertEquals(DvmcMessageType.ACK, agent.bind(at, BLUE, MAC).type());
        for (int renewal = 2; renewal <= RECORDS_AHEAD; renewal++)
        {
            assertEquals(DvmcMessageType.ACK, agent.request(at, BLUE, MAC, FIRST).type());
        }
        final long full = JournalRecord.LENGTH + LeaseJournal.PREALLOCATE_BYTES;
        assertEquals(full, Files.size(disk.resolve(LeaseJournal.FILE_NAME)));
        fillTheDisk();
        // Nothing more can be written ahead, but the file's last page has room: records go one by one into it.
        for (int renewal = 1; renewal < RECORDS_PER_PAGE; renewal++)
        {
            assertEquals(DvmcMessageType.ACK, agent.request(at, BLUE, MAC, FIRST).type());
        }
        assertEquals(0, Files.size(disk.resolve(LeaseJournal.FILE_NAME)) % 4096, "the journal fills its last page");

        final long renewal = agent.client.send(DvmcMessageType.REQUEST, at, BLUE, MAC, 1, MAC, FIRST, 0);
        Await.until("the journal failure counted", Duration.ofSeconds(10),
            () -> service.counters().get(Counter.JOURNAL_FAILURES) >= 1);
        // Replies leave in request order: once the probe is answered, the renewal would have been too.
        assertEquals(DvmcMessageType.ACK, agent.send(DvmcMessageType.INFORM, at, BLUE, MAC, 0).type());
        assertFalse(agent.replies.containsKey(renewal), "an internal fault is not answered, least of all by a NAK");
        assertEquals(0, service.counters().get(Counter.NAKS));

        Files.delete(filler);
        final Reply ack = agent.await(renewal);

        assertEquals(DvmcMessageType.ACK, ack.type());
        assertEquals(FIRST, ack.yiaddr());
        assertEquals(0, service.counters().get(Counter.NAKS));
        assertTrue(Files.size(disk.resolve(LeaseJournal.FILE_NAME)) > full, "the renewal is journalled");
    }

    @Test
    void aCompactionThatFailsOnAFullDiskIsNotDoneAndIsRetriedWithABackoff() throws Exception
    {
        final Grant grant = new Grant();
        final AddressManager manager = new AddressManager(TestPolicies.policy(), disk, clock.monotonic(), 2, 8);
        closeables.add(manager);
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);
        for (long xid = 1; xid < RECORDS_PER_PAGE; xid++)
        {
            manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, xid, grant);
            manager.sync();
        }
        fillTheDisk();

        assertThrows(LeaseStoreException.class, manager::compactIfDue);
        assertFalse(manager.compactIfDue(), "no retry before the first backoff");
        clock.advanceMillis(AddressManager.FIRST_RETRY_MS);
        assertThrows(LeaseStoreException.class, manager::compactIfDue);
        clock.advanceMillis(AddressManager.FIRST_RETRY_MS);
        assertFalse(manager.compactIfDue(), "the backoff doubled");

        Files.delete(filler);
        clock.advanceMillis(AddressManager.FIRST_RETRY_MS);
        assertTrue(manager.compactIfDue());
        assertEquals(1, manager.journal().records());
    }

    @Test
    void aServiceThatStartsOnAFullDiskNamesTheFileItCouldNotWrite() throws Exception
    {
        fillTheDisk();

        final IOException refused = assertThrows(IOException.class, () -> new DvmcService(TestPolicies.policy(),
            new InetSocketAddress("127.0.0.1", 0), TestAgent.KEY, disk.resolve("state"), clock, clock,
            new BackoffIdleStrategy()));

        assertEquals(disk.resolve("state").resolve(LeaseJournal.FILE_NAME) + ": No space left on device",
            refused.getMessage());
    }

    private void fillTheDisk() throws IOException
    {
        final byte[] page = new byte[4096];
        try (FileOutputStream out = new FileOutputStream(filler.toFile()))
        {
            while (true)
            {
                out.write(page);
            }
        }
        catch (final IOException full)
        {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
        }
    }

    private static void run(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
        final String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
    }
}
