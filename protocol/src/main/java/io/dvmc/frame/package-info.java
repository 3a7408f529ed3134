/**
 * Ethernet/802.1Q/802.1ad, IPv4 and UDP as the dataplane sees them: {@link io.dvmc.frame.FrameClassifier} sorts
 * received frames into {@link io.dvmc.frame.FrameClass} codes and fills a reused {@link io.dvmc.frame.FrameView};
 * {@link io.dvmc.frame.FrameWriter} writes the headers of a reply around a payload already in place, with
 * {@link io.dvmc.frame.Checksums}; {@link io.dvmc.frame.ReplyAddressing} says where a DHCP reply goes.
 * Offsets are indices into the buffer (an UnsafeBuffer over the mbuf), nothing allocates per frame and malformed
 * input gives a negative code, never an exception.
 */
package io.dvmc.frame;
