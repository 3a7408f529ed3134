package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.BindingMessage;
import io.dvmc.ipc.RingMessages;
import io.dvmc.relay.RelayedClient;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps the dataplane's bindings equal to the host's ({@link HostBindings}): each change becomes a BINDING_ADD or
 * BINDING_REMOVE on the ring, and the complete set goes out between BINDINGS_SYNC_START and BINDINGS_SYNC_END when
 * the agent starts and when a dataplane says HELLO (it restarted, and started from host.json's bindings).
 *
 * <p>A VM whose binding is removed has left this host (or its MAC moved to another domain or VM): its host lease is
 * removed with it, so the fast path can never answer it from a lease this host no longer tracks (patent FIG. 5:
 * host A forgets a migrated VM). At start the agent removes every lease no binding accounts for, since bindings
 * may have been removed while it was down.
 *
 * <p>Messages wait in a queue while the ring is full and go out on later duty cycles, in order.
 */
public final class BindingPublisher implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(BindingPublisher.class);

    private record Key(int vlan, long mac)
    {
    }

    private record Pending(int type, HostConfig.Binding binding)
    {
    }

    /** The host lease a binding accounts for. */
    private record Holder(long domain, long mac, String vm)
    {
        static Holder of(final HostConfig.Binding binding)
        {
            return new Holder(binding.domain(), Addresses.parseMac(binding.mac()),
                UUID.fromString(binding.vm()).toString());
        }
    }

    private final HostBindings source;
    private final RingBuffer toDataplane;
    private final HostStores stores;
    private final AgentCounters counters;
    private final EpochClock clock;
    private final UnsafeBuffer control = new UnsafeBuffer(ByteBuffer.allocateDirect(RingMessages.CONTROL_LENGTH));
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private Map<Key, HostConfig.Binding> applied = new HashMap<>();
    /** (domain, MAC) of every binding in force, for {@link #isBound}: a hash set of primitives. */
    private final LongHashSet bound = new LongHashSet();
    private boolean started;
    private long version;

    public BindingPublisher(
        final HostBindings source,
        final RingBuffer toDataplane,
        final HostStores stores,
        final AgentCounters counters,
        final EpochClock clock)
    {
        this.source = source;
        this.toDataplane = toDataplane;
        this.stores = stores;
        this.counters = counters;
        this.clock = clock;
        this.control.putLong(0, System.currentTimeMillis());
    }

    public String roleName()
    {
        return "dvmc-bindings";
    }

    public int doWork()
    {
        int work = 0;
        final long now = source.poll(clock.time());
        if (!started)
        {
            started = true;
            version = now;
            applied = index(source.current());
            indexBound();
            final Set<Holder> holders = holders(applied);
            // A relayed client's lease has no binding behind it: it stays until it expires.
            stores.sweepAlso(
                (domainId, mac, lease) -> !RelayedClient.isRelayed(lease.vmIdMsb(), lease.vmIdLsb()) &&
                    !holders.contains(new Holder(domainId & 0xFFFF_FFFFL, mac, lease.vmId().toString())),
                clock.time());
            queueCompleteSet();
            work++;
        }
        else if (now != version)
        {
            version = now;
            work += change(index(source.current()));
        }
        return work + send();
    }

    /** A dataplane started: it has host.json's bindings, which may not be the agent's. */
    public void onDataplaneHello()
    {
        pending.clear();
        queueCompleteSet();
    }

    private void queueCompleteSet()
    {
        pending.add(new Pending(RingMessages.BINDINGS_SYNC_START, null));
        for (final HostConfig.Binding binding : applied.values())
        {
            pending.add(new Pending(RingMessages.BINDING_ADD, binding));
        }
        pending.add(new Pending(RingMessages.BINDINGS_SYNC_END, null));
    }

    private int change(final Map<Key, HostConfig.Binding> next)
    {
        int changes = 0;
        for (final Map.Entry<Key, HostConfig.Binding> entry : applied.entrySet())
        {
            if (!next.containsKey(entry.getKey()))
            {
                pending.add(new Pending(RingMessages.BINDING_REMOVE, entry.getValue()));
                LOG.info("binding removed: {}", describe(entry.getValue()));
                changes++;
            }
        }
        for (final Map.Entry<Key, HostConfig.Binding> entry : next.entrySet())
        {
            if (!entry.getValue().equals(applied.get(entry.getKey())))
            {
                pending.add(new Pending(RingMessages.BINDING_ADD, entry.getValue()));
                LOG.info("binding added: {}", describe(entry.getValue()));
                changes++;
            }
        }
        final Set<Holder> gone = holders(applied);
        gone.removeAll(holders(next));
        for (final Holder holder : gone)
        {
            stores.removeLease((int)holder.domain(), holder.mac());
        }
        applied = next;
        indexBound();
        return changes;
    }

    /**
     * Whether a binding in force names this VM (domain, MAC); before the first duty cycle, every VM is. An exchange
     * that ends after its VM's binding went must not bring the VM's lease back to this host.
     */
    public boolean isBound(final int domainId, final long mac)
    {
        return !started || bound.contains(boundKey(domainId, mac));
    }

    private void indexBound()
    {
        bound.clear();
        for (final HostConfig.Binding b : applied.values())
        {
            bound.add(boundKey((int)b.domain(), Addresses.parseMac(b.mac())));
        }
    }

    private static long boundKey(final int domainId, final long mac)
    {
        // One long for (domain, MAC); a rare collision only keeps a late reply from being dropped.
        return (mac & 0xFFFF_FFFF_FFFFL) ^ ((domainId & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L);
    }

    private int send()
    {
        int sent = 0;
        while (!pending.isEmpty())
        {
            final Pending next = pending.peek();
            final HostConfig.Binding binding = next.binding();
            final int length = binding == null ? RingMessages.CONTROL_LENGTH : BindingMessage.length(binding.port());
            final int index = toDataplane.tryClaim(next.type(), length);
            if (index < 0)
            {
                // The ring is full: the rest goes out on a later duty cycle, in order.
                break;
            }
            if (binding == null)
            {
                toDataplane.buffer().putBytes(index, control, 0, RingMessages.CONTROL_LENGTH);
            }
            else
            {
                final UUID vm = UUID.fromString(binding.vm());
                BindingMessage.write(toDataplane.buffer(), index, binding.port(), binding.vlan(),
                    Addresses.parseMac(binding.mac()), (int)binding.domain(), vm.getMostSignificantBits(),
                    vm.getLeastSignificantBits());
                counters.bindingChanges.incrementRelease();
            }
            toDataplane.commit(index);
            pending.poll();
            sent++;
        }
        return sent;
    }

    /** The bindings by (VLAN, MAC); one whose port name cannot travel on the ring is left out, logged. */
    private static Map<Key, HostConfig.Binding> index(final List<HostConfig.Binding> bindings)
    {
        final Map<Key, HostConfig.Binding> byKey = new HashMap<>();
        for (final HostConfig.Binding binding : bindings)
        {
            if (!BindingMessage.fits(binding.port()))
            {
                LOG.warn("binding of {} left out: port name '{}' is longer than {} ASCII characters", binding.mac(),
                    binding.port(), BindingMessage.MAX_PORT_NAME);
                continue;
            }
            byKey.put(new Key(binding.vlan(), Addresses.parseMac(binding.mac())), binding);
        }
        return byKey;
    }

    private static Set<Holder> holders(final Map<Key, HostConfig.Binding> bindings)
    {
        final Set<Holder> holders = new HashSet<>();
        for (final HostConfig.Binding binding : bindings.values())
        {
            holders.add(Holder.of(binding));
        }
        return holders;
    }

    private static String describe(final HostConfig.Binding binding)
    {
        return binding.mac() + " vlan " + binding.vlan() + " on port " + binding.port() + " -> domain " +
            binding.domain() + ", VM " + binding.vm();
    }
}
