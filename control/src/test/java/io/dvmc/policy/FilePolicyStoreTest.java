package io.dvmc.policy;

import io.dvmc.service.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilePolicyStoreTest
{
    private static final String POLICY = """
        { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
            "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "mtu": %d,
            "services": ["127.0.0.1:6767"] } ] }
        """;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_000_000);

    @Test
    void aChangedFileIsPickedUpAtTheNextCheck() throws Exception
    {
        final Path file = write(POLICY.formatted(1450), 1);
        final FilePolicyStore store = new FilePolicyStore(file, clock);
        assertEquals(1450, store.domainOrNull(100).mtu());

        write(POLICY.formatted(1400), 2);
        assertEquals(1450, store.domain(100).orElseThrow().mtu());
        clock.advanceMillis(FilePolicyStore.CHECK_INTERVAL_MS);

        assertEquals(1400, store.domain(100).orElseThrow().mtu());
        assertEquals(1, store.generation());
    }

    @Test
    void anUnchangedFileKeepsTheSameDomainInstances() throws Exception
    {
        final FilePolicyStore store = new FilePolicyStore(write(POLICY.formatted(1450), 1), clock);
        final Domain before = store.domainOrNull(100);

        clock.advanceMillis(5 * FilePolicyStore.CHECK_INTERVAL_MS);

        assertSame(before, store.domainOrNull(100));
        assertEquals(0, store.generation());
    }

    @Test
    void aBrokenEditKeepsThePreviousPolicyAndSaysWhy() throws Exception
    {
        final Path file = write(POLICY.formatted(1450), 1);
        final FilePolicyStore store = new FilePolicyStore(file, clock);

        write(POLICY.formatted(20), 2);
        clock.advanceMillis(FilePolicyStore.CHECK_INTERVAL_MS);

        assertEquals(1450, store.domainOrNull(100).mtu());
        assertTrue(store.lastError().orElseThrow().contains("mtu"), store.lastError().toString());

        write(POLICY.formatted(1400), 3);
        store.reload();
        assertEquals(1400, store.domainOrNull(100).mtu());
        assertTrue(store.lastError().isEmpty());
    }

    @Test
    void listenersHearWhichDomainsAReloadChangedAndNothingOfARefusedEdit() throws Exception
    {
        final FilePolicyStore store = new FilePolicyStore(write(POLICY.formatted(1450), 1), clock);
        final List<Integer> changed = new ArrayList<>();
        store.addListener(new PolicyListener()
        {
            public void domainsChanged(final int[] domainIds)
            {
                Arrays.stream(domainIds).forEach(changed::add);
            }
        });

        write(POLICY.formatted(20), 2);
        store.reload();
        write(POLICY.formatted(1400), 3);
        store.reload();
        write(POLICY.formatted(1400).replace("\"id\": 100", "\"id\": 101"), 4);
        store.reload();

        assertEquals(List.of(100, 101, 100), changed);
    }

    @Test
    void aBadFileAtStartIsAnError() throws Exception
    {
        final Path file = write("{ \"domains\": 5 }", 1);

        assertThrows(PolicyException.class, () -> new FilePolicyStore(file, clock));
    }

    @Test
    void serviceLocationsComeFromTheDomain() throws Exception
    {
        final FilePolicyStore store = new FilePolicyStore(write(POLICY.formatted(1450), 1), clock);

        assertEquals(6767, store.serviceLocations(100).get(0).getPort());
        assertTrue(store.serviceLocations(101).isEmpty());
        assertEquals(1, store.domains().size());
    }

    /** Writes the policy with a distinct modification time, so the change is visible whatever the fs resolution. */
    private Path write(final String json, final int version) throws Exception
    {
        final Path file = dir.resolve("policy.json");
        Files.writeString(file, json);
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_000_000 + version)));
        return file;
    }
}
