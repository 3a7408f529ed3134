package io.dvmc.lease;

import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Deterministic records derived from a number, so that two processes can agree on expected contents. */
final class Samples
{
    static final int DOMAINS = 3;

    private Samples()
    {
    }

    static int domainOf(final long n, final int keys)
    {
        return 100 + (int)(n % keys % DOMAINS);
    }

    static long macOf(final long n, final int keys)
    {
        return 0x02_00_00_00_00_00L | (n % keys);
    }

    /** A lease whose every field depends on {@code n}, tenant options filling their whole area included. */
    static LeaseRecord lease(final long n, final LeaseRecord into)
    {
        final byte[] options = new byte[LeaseRecord.MAX_TENANT_OPTIONS_LENGTH];
        options[0] = (byte)224;
        options[1] = (byte)(options.length - 2);
        for (int i = 2; i < options.length; i++)
        {
            options[i] = (byte)(n * 31 + i);
        }
        into.clear().tenantOptions(new UnsafeBuffer(options), 0, options.length);
        return into
            .ip(0x0A000000 | (int)(n & 0xFFFFFF))
            .state(n % 2 == 0 ? LeaseState.BOUND : LeaseState.OFFERED)
            .flags((int)(n & 0x7F) | LeaseRecord.FLAG_TENANT_OPTIONS)
            .vmLeaseSeconds(3600 + (int)(n % 1000))
            .serverId(0x0A0000FE)
            .hostLeaseExpiryMillis(1_800_000_000_000L + n * 7)
            .vmLeaseExpiryMillis(1_700_000_000_000L + n * 3)
            .updatedMillis(n)
            .vmId(0x1122334455667788L ^ n, 0x99AABBCCDDEEFF00L + n)
            .optionsVersion((int)(n % 50))
            .seal();
    }

    /** A domain whose fields and options depend on {@code n}. */
    static DomainRecord domain(final int n, final DomainRecord into)
    {
        final byte[] options = ("\u0003\u0004\n\u0000\u0000\u0001\u0006\u0004\n\u0000\u0000\u0002\u000f\u0007example" +
            n).getBytes(StandardCharsets.ISO_8859_1);
        return into.clear()
            .domainId(n)
            .version(n * 3 + 1)
            .serverIp(0x0A000001 + n)
            .subnetMask(0xFFFFFF00)
            .serverMac(0x02_FE_00_00_00_00L | n)
            .vmLeaseSeconds(7200 + n)
            .updatedMillis(1_700_000_000_000L + n)
            .flags(n & 0xF)
            .options(new UnsafeBuffer(options), 0, options.length)
            .seal();
    }

    static String hex(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder out = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++)
        {
            final int b = buffer.getByte(offset + i) & 0xFF;
            out.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return out.toString();
    }

    /**
     * Each of {@code keys} keys holds its last acknowledged lease, or the one put in flight when the writer died. An in-flight put
     * that landed counts as committed from then on: later rounds may not reach its key again.
     *
     * @return whether the in-flight put landed.
     */
    static boolean verifyAcknowledged(final LeaseStore store, final long[] committed, final long inFlight,
        final int keys)
    {
        boolean landed = false;
        final LeaseRecord found = new LeaseRecord();
        final LeaseRecord expected = new LeaseRecord();
        for (int k = 0; k < keys; k++)
        {
            final int domainId = Samples.domainOf(k, keys);
            final long mac = Samples.macOf(k, keys);
            final LookupResult r = store.lookup(domainId, mac, found);
            final boolean inFlightKey = inFlight % keys == k;
            if (committed[k] < 0)
            {
                if (r == LookupResult.ABSENT)
                {
                    continue;
                }
                if (!(inFlightKey && r == LookupResult.FOUND))
                {
                    fail("key " + k + " never committed but " + r);
                }
            }
            else
            {
                assertEquals(LookupResult.FOUND, r, "acknowledged lease " + committed[k] + " lost");
            }
            final long n = found.updatedMillis();
            if (n != committed[k] && !(inFlightKey && n == inFlight))
            {
                fail("key " + k + " holds lease " + n + ", acknowledged " + committed[k] + ", in flight " + inFlight);
            }
            Samples.lease(n, expected);
            assertEquals(Samples.hex(expected.buffer(), 0, LeaseRecord.LENGTH),
                Samples.hex(found.buffer(), 0, LeaseRecord.LENGTH), "key " + k);
            if (n == inFlight)
            {
                committed[k] = n;
                landed = true;
            }
        }
        return landed;
    }

    /** Puts every acknowledged lease again: a write to each key, so to every segment. */
    static void putAcknowledged(final LeaseStore store, final long[] committed, final int keys)
    {
        final LeaseRecord record = new LeaseRecord();
        for (int k = 0; k < keys; k++)
        {
            if (committed[k] >= 0)
            {
                store.put(domainOf(committed[k], keys), macOf(committed[k], keys), lease(committed[k], record));
            }
        }
    }

    /** A writer's store at {@code file} holding lease {@code k} under key {@code k} for every key. */
    static LeaseStore filled(final java.nio.file.Path file, final int keys, final StoreTimeouts timeouts)
    {
        final LeaseRecord record = new LeaseRecord();
        final LeaseStore store = LeaseStore.openWriter(file, 4 * keys, timeouts);
        for (int k = 0; k < keys; k++)
        {
            store.put(domainOf(k, keys), macOf(k, keys), lease(k, record));
        }
        return store;
    }

    /**
     * Takes the "committed N" lines a killed {@code WriterLoopMain} printed into {@code committed} (by key).
     *
     * @return the highest N, or {@code last} if none is higher.
     */
    static long takeCommitted(final java.util.List<String> lines, final long[] committed, final long last,
        final int keys)
    {
        long highest = last;
        for (final String line : lines)
        {
            if (line.startsWith("committed "))
            {
                final long n = Long.parseLong(line.substring("committed ".length()));
                committed[(int)(n % keys)] = n;
                highest = Math.max(highest, n);
            }
        }
        return highest;
    }
}
