package io.dvmc.relay;

/** What the relay counts; the service keeps the counts with its own ({@code docs/operations.md}). */
public enum RelayEvent
{
    /** A VM's request sent on to the domain's tenant servers (once per request, not per server). */
    RELAYED,
    /** A tenant server's answer translated back into DVMC for the VM's host. */
    ANSWERED,
    /** No tenant server of the domain answered a relayed request in time: the VM hears nothing. */
    TIMED_OUT,
    /** A further answer to a request already answered (another tenant server's offer): dropped quietly. */
    EXTRA_ANSWER,
    /** A datagram on a relay socket that is no well-formed answer to a relayed request: dropped. */
    MALFORMED,
    /** An answer whose xid is of no relayed request in flight on that socket: dropped. */
    UNMATCHED,
    /** An answer with the xid of a relayed request but another client's chaddr: dropped. */
    WRONG_CLIENT,
    /** A VM's request whose options do not fit one relayed datagram: not relayed. */
    TOO_LONG,
    /** A request not relayed: too many in flight. The VM hears nothing and retransmits. */
    FULL,
    /** A request not relayed: the domain's relay address cannot be bound here, or sending failed. */
    UNAVAILABLE
}
