package io.dvmc.ipc;

/**
 * Message type ids of the rings between the dataplane and the agent ({@link RingFiles}).
 *
 * <ul>
 *   <li>{@link #DHCP_REQUEST}: dataplane to agent, a client frame the fast path could not answer
 *       ({@link DhcpRequestMessage}).</li>
 *   <li>{@link #TRANSMIT}: agent to dataplane, a frame to send on a port ({@link TransmitMessage}).</li>
 *   <li>{@link #HELLO}: dataplane to agent, sent once at dataplane start; the agent answers with a store
 *       hand-over so that a lock a dead dataplane left in the lease store is cleared.</li>
 *   <li>{@link #STORE_YIELD}: agent to dataplane, close the shared stores and release the shared lock.</li>
 *   <li>{@link #STORE_RELEASED}: dataplane to agent, stores closed.</li>
 *   <li>{@link #STORE_READY}: agent to dataplane, stores recovered: open them again.</li>
 *   <li>{@link #DOMAIN_CHANGED}: agent to dataplane, a domain's record was rewritten (4-byte domain id, native
 *       order): the worker drops its cached copy.</li>
 *   <li>{@link #LEASE_CHANGED}: agent to dataplane, a lease was written or removed ({@link LeaseChanges}): the
 *       workers drop their cached copy; when it cannot be written the agent flushes every cache instead.</li>
 *   <li>{@link #BINDING_ADD}, {@link #BINDING_REMOVE}: agent to dataplane, one port binding added (or replaced,
 *       for the same VLAN and MAC) or removed at run time ({@link BindingMessage}).</li>
 *   <li>{@link #BINDINGS_SYNC_START}, {@link #BINDINGS_SYNC_END}: agent to dataplane, around the complete set of
 *       the host's bindings (at agent start and after a dataplane's HELLO): at the end the dataplane removes every
 *       binding the set did not name. Bindings the set keeps stay in force throughout, so no VM goes unbound while
 *       the set is sent.</li>
 * </ul>
 * The store control and sync messages carry an 8-byte epoch (the sender's start time in ms) and nothing else.
 */
public final class RingMessages
{
    public static final int DHCP_REQUEST = 1;
    public static final int TRANSMIT = 2;
    public static final int HELLO = 10;
    public static final int STORE_YIELD = 11;
    public static final int STORE_RELEASED = 12;
    public static final int STORE_READY = 13;
    public static final int DOMAIN_CHANGED = 14;
    public static final int LEASE_CHANGED = 15;
    public static final int BINDING_ADD = 20;
    public static final int BINDING_REMOVE = 21;
    public static final int BINDINGS_SYNC_START = 22;
    public static final int BINDINGS_SYNC_END = 23;

    public static final int CONTROL_LENGTH = 8;

    private RingMessages()
    {
    }

    public static String name(final int type)
    {
        return switch (type)
        {
            case DHCP_REQUEST -> "DHCP_REQUEST";
            case TRANSMIT -> "TRANSMIT";
            case HELLO -> "HELLO";
            case STORE_YIELD -> "STORE_YIELD";
            case STORE_RELEASED -> "STORE_RELEASED";
            case STORE_READY -> "STORE_READY";
            case DOMAIN_CHANGED -> "DOMAIN_CHANGED";
            case LEASE_CHANGED -> "LEASE_CHANGED";
            case BINDING_ADD -> "BINDING_ADD";
            case BINDING_REMOVE -> "BINDING_REMOVE";
            case BINDINGS_SYNC_START -> "BINDINGS_SYNC_START";
            case BINDINGS_SYNC_END -> "BINDINGS_SYNC_END";
            default -> "UNKNOWN(" + type + ")";
        };
    }
}
