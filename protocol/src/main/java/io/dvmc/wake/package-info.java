/**
 * Loops that sleep in the kernel while they have nothing to do, and the doorbells that wake them.
 *
 * <p>A control-plane loop (the host agent, the service) polls its sockets and rings. Spinning or parking between
 * messages costs a shared core and, worse, delays the next message by the length of the park. Here a loop that found
 * no work for a while sleeps in {@code poll(2)} on its sockets and on a doorbell descriptor, so a datagram or a ring
 * record wakes it at once and an idle loop costs nothing: {@link io.dvmc.wake.WaitingIdleStrategy}. A producer in the
 * same process rings a {@link io.dvmc.wake.Doorbell} (an eventfd); the dataplane, another process, rings a
 * {@link io.dvmc.wake.SharedDoorbell} (a named FIFO) only when the loop has said in shared memory that it sleeps.
 */
package io.dvmc.wake;
