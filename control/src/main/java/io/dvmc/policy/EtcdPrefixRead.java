package io.dvmc.policy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Every key under a prefix, read as one consistent view: in pages of {@link #PAGE} keys, all at one revision. One
 * gRPC reply carries at most 4 MiB, which a few tens of thousands of leases or bindings exceed.
 *
 * @param revision the revision the keys were read at.
 * @param kvs      the keys in key order.
 */
public record EtcdPrefixRead(long revision, List<KeyValue> kvs)
{
    public static final int PAGE = 2_000;

    /**
     * @param atRevision the revision to read at, or 0 for the current one (that of the first page).
     * @return the read, complete when its last page is; failed with etcd's error if any page failed.
     */
    public static CompletableFuture<EtcdPrefixRead> of(final KV kv, final String prefix, final long atRevision)
    {
        final ByteSequence end = ByteSequence.from(prefix.substring(0, prefix.length() - 1) +
            (char)(prefix.charAt(prefix.length() - 1) + 1), StandardCharsets.UTF_8);
        return page(kv, ByteSequence.from(prefix, StandardCharsets.UTF_8), end, atRevision, new ArrayList<>());
    }

    private static CompletableFuture<EtcdPrefixRead> page(
        final KV kv, final ByteSequence from, final ByteSequence end, final long revision, final List<KeyValue> all)
    {
        return kv.get(from, GetOption.builder().withRange(end).withLimit(PAGE).withRevision(revision).build())
            .thenCompose(r -> next(kv, r, end, revision, all));
    }

    private static CompletableFuture<EtcdPrefixRead> next(
        final KV kv, final GetResponse r, final ByteSequence end, final long revision, final List<KeyValue> all)
    {
        final long at = revision != 0 ? revision : r.getHeader().getRevision();
        all.addAll(r.getKvs());
        if (!r.isMore() || r.getKvs().isEmpty())
        {
            return CompletableFuture.completedFuture(new EtcdPrefixRead(at, all));
        }
        final String last = r.getKvs().get(r.getKvs().size() - 1).getKey().toString(StandardCharsets.UTF_8);
        return page(kv, ByteSequence.from(last + '\0', StandardCharsets.UTF_8), end, at, all);
    }
}
