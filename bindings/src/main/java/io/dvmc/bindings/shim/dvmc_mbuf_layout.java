// Hand-written in the layout jextract generates for struct dvmc_mbuf_layout of native/dvmc_shim.h.
package io.dvmc.bindings.shim;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * {@snippet lang=c :
 * struct dvmc_mbuf_layout {
 *     uint32_t buf_addr;
 *     uint32_t data_off;
 *     uint32_t data_len;
 *     uint32_t pkt_len;
 *     uint32_t nb_segs;
 *     uint32_t next;
 *     uint32_t vlan_tci;
 *     uint32_t ol_flags;
 *     uint32_t buf_len;
 *     uint32_t port;
 *     uint32_t packet_type;
 *     uint32_t mbuf_size;
 *     uint32_t headroom;
 *     uint32_t rx_l4_cksum_good;
 *     uint32_t rx_l4_cksum_bad;
 * }
 * }
 */
@SuppressWarnings({"unused", "checkstyle:MethodName", "checkstyle:TypeName"})
public class dvmc_mbuf_layout {

    dvmc_mbuf_layout() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        dvmc_shim_h.C_INT.withName("buf_addr"),
        dvmc_shim_h.C_INT.withName("data_off"),
        dvmc_shim_h.C_INT.withName("data_len"),
        dvmc_shim_h.C_INT.withName("pkt_len"),
        dvmc_shim_h.C_INT.withName("nb_segs"),
        dvmc_shim_h.C_INT.withName("next"),
        dvmc_shim_h.C_INT.withName("vlan_tci"),
        dvmc_shim_h.C_INT.withName("ol_flags"),
        dvmc_shim_h.C_INT.withName("buf_len"),
        dvmc_shim_h.C_INT.withName("port"),
        dvmc_shim_h.C_INT.withName("packet_type"),
        dvmc_shim_h.C_INT.withName("mbuf_size"),
        dvmc_shim_h.C_INT.withName("headroom"),
        dvmc_shim_h.C_INT.withName("rx_l4_cksum_good"),
        dvmc_shim_h.C_INT.withName("rx_l4_cksum_bad")
    ).withName("dvmc_mbuf_layout");

    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(layout());
    }

    private static final java.lang.foreign.ValueLayout.OfInt buf_addr$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("buf_addr"));

    public static final java.lang.foreign.ValueLayout.OfInt buf_addr$layout() {
        return buf_addr$LAYOUT;
    }

    private static final long buf_addr$OFFSET = $LAYOUT.byteOffset(groupElement("buf_addr"));

    public static final long buf_addr$offset() {
        return buf_addr$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle buf_addr$VH = $LAYOUT.varHandle(groupElement("buf_addr"));

    public static int buf_addr(MemorySegment struct) {
        return struct.get(buf_addr$LAYOUT, buf_addr$OFFSET);
    }

    public static void buf_addr(MemorySegment struct, int fieldValue) {
        struct.set(buf_addr$LAYOUT, buf_addr$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt data_off$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("data_off"));

    public static final java.lang.foreign.ValueLayout.OfInt data_off$layout() {
        return data_off$LAYOUT;
    }

    private static final long data_off$OFFSET = $LAYOUT.byteOffset(groupElement("data_off"));

    public static final long data_off$offset() {
        return data_off$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle data_off$VH = $LAYOUT.varHandle(groupElement("data_off"));

    public static int data_off(MemorySegment struct) {
        return struct.get(data_off$LAYOUT, data_off$OFFSET);
    }

    public static void data_off(MemorySegment struct, int fieldValue) {
        struct.set(data_off$LAYOUT, data_off$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt data_len$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("data_len"));

    public static final java.lang.foreign.ValueLayout.OfInt data_len$layout() {
        return data_len$LAYOUT;
    }

    private static final long data_len$OFFSET = $LAYOUT.byteOffset(groupElement("data_len"));

    public static final long data_len$offset() {
        return data_len$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle data_len$VH = $LAYOUT.varHandle(groupElement("data_len"));

    public static int data_len(MemorySegment struct) {
        return struct.get(data_len$LAYOUT, data_len$OFFSET);
    }

    public static void data_len(MemorySegment struct, int fieldValue) {
        struct.set(data_len$LAYOUT, data_len$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt pkt_len$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("pkt_len"));

    public static final java.lang.foreign.ValueLayout.OfInt pkt_len$layout() {
        return pkt_len$LAYOUT;
    }

    private static final long pkt_len$OFFSET = $LAYOUT.byteOffset(groupElement("pkt_len"));

    public static final long pkt_len$offset() {
        return pkt_len$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle pkt_len$VH = $LAYOUT.varHandle(groupElement("pkt_len"));

    public static int pkt_len(MemorySegment struct) {
        return struct.get(pkt_len$LAYOUT, pkt_len$OFFSET);
    }

    public static void pkt_len(MemorySegment struct, int fieldValue) {
        struct.set(pkt_len$LAYOUT, pkt_len$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt nb_segs$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("nb_segs"));

    public static final java.lang.foreign.ValueLayout.OfInt nb_segs$layout() {
        return nb_segs$LAYOUT;
    }

    private static final long nb_segs$OFFSET = $LAYOUT.byteOffset(groupElement("nb_segs"));

    public static final long nb_segs$offset() {
        return nb_segs$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle nb_segs$VH = $LAYOUT.varHandle(groupElement("nb_segs"));

    public static int nb_segs(MemorySegment struct) {
        return struct.get(nb_segs$LAYOUT, nb_segs$OFFSET);
    }

    public static void nb_segs(MemorySegment struct, int fieldValue) {
        struct.set(nb_segs$LAYOUT, nb_segs$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt next$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("next"));

    public static final java.lang.foreign.ValueLayout.OfInt next$layout() {
        return next$LAYOUT;
    }

    private static final long next$OFFSET = $LAYOUT.byteOffset(groupElement("next"));

    public static final long next$offset() {
        return next$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle next$VH = $LAYOUT.varHandle(groupElement("next"));

    public static int next(MemorySegment struct) {
        return struct.get(next$LAYOUT, next$OFFSET);
    }

    public static void next(MemorySegment struct, int fieldValue) {
        struct.set(next$LAYOUT, next$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt vlan_tci$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("vlan_tci"));

    public static final java.lang.foreign.ValueLayout.OfInt vlan_tci$layout() {
        return vlan_tci$LAYOUT;
    }

    private static final long vlan_tci$OFFSET = $LAYOUT.byteOffset(groupElement("vlan_tci"));

    public static final long vlan_tci$offset() {
        return vlan_tci$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle vlan_tci$VH = $LAYOUT.varHandle(groupElement("vlan_tci"));

    public static int vlan_tci(MemorySegment struct) {
        return struct.get(vlan_tci$LAYOUT, vlan_tci$OFFSET);
    }

    public static void vlan_tci(MemorySegment struct, int fieldValue) {
        struct.set(vlan_tci$LAYOUT, vlan_tci$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt ol_flags$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("ol_flags"));

    public static final java.lang.foreign.ValueLayout.OfInt ol_flags$layout() {
        return ol_flags$LAYOUT;
    }

    private static final long ol_flags$OFFSET = $LAYOUT.byteOffset(groupElement("ol_flags"));

    public static final long ol_flags$offset() {
        return ol_flags$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle ol_flags$VH = $LAYOUT.varHandle(groupElement("ol_flags"));

    public static int ol_flags(MemorySegment struct) {
        return struct.get(ol_flags$LAYOUT, ol_flags$OFFSET);
    }

    public static void ol_flags(MemorySegment struct, int fieldValue) {
        struct.set(ol_flags$LAYOUT, ol_flags$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt buf_len$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("buf_len"));

    public static final java.lang.foreign.ValueLayout.OfInt buf_len$layout() {
        return buf_len$LAYOUT;
    }

    private static final long buf_len$OFFSET = $LAYOUT.byteOffset(groupElement("buf_len"));

    public static final long buf_len$offset() {
        return buf_len$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle buf_len$VH = $LAYOUT.varHandle(groupElement("buf_len"));

    public static int buf_len(MemorySegment struct) {
        return struct.get(buf_len$LAYOUT, buf_len$OFFSET);
    }

    public static void buf_len(MemorySegment struct, int fieldValue) {
        struct.set(buf_len$LAYOUT, buf_len$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt port$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("port"));

    public static final java.lang.foreign.ValueLayout.OfInt port$layout() {
        return port$LAYOUT;
    }

    private static final long port$OFFSET = $LAYOUT.byteOffset(groupElement("port"));

    public static final long port$offset() {
        return port$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle port$VH = $LAYOUT.varHandle(groupElement("port"));

    public static int port(MemorySegment struct) {
        return struct.get(port$LAYOUT, port$OFFSET);
    }

    public static void port(MemorySegment struct, int fieldValue) {
        struct.set(port$LAYOUT, port$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt packet_type$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("packet_type"));

    public static final java.lang.foreign.ValueLayout.OfInt packet_type$layout() {
        return packet_type$LAYOUT;
    }

    private static final long packet_type$OFFSET = $LAYOUT.byteOffset(groupElement("packet_type"));

    public static final long packet_type$offset() {
        return packet_type$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle packet_type$VH = $LAYOUT.varHandle(groupElement("packet_type"));

    public static int packet_type(MemorySegment struct) {
        return struct.get(packet_type$LAYOUT, packet_type$OFFSET);
    }

    public static void packet_type(MemorySegment struct, int fieldValue) {
        struct.set(packet_type$LAYOUT, packet_type$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt mbuf_size$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("mbuf_size"));

    public static final java.lang.foreign.ValueLayout.OfInt mbuf_size$layout() {
        return mbuf_size$LAYOUT;
    }

    private static final long mbuf_size$OFFSET = $LAYOUT.byteOffset(groupElement("mbuf_size"));

    public static final long mbuf_size$offset() {
        return mbuf_size$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle mbuf_size$VH = $LAYOUT.varHandle(groupElement("mbuf_size"));

    public static int mbuf_size(MemorySegment struct) {
        return struct.get(mbuf_size$LAYOUT, mbuf_size$OFFSET);
    }

    public static void mbuf_size(MemorySegment struct, int fieldValue) {
        struct.set(mbuf_size$LAYOUT, mbuf_size$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt headroom$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("headroom"));

    public static final java.lang.foreign.ValueLayout.OfInt headroom$layout() {
        return headroom$LAYOUT;
    }

    private static final long headroom$OFFSET = $LAYOUT.byteOffset(groupElement("headroom"));

    public static final long headroom$offset() {
        return headroom$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle headroom$VH = $LAYOUT.varHandle(groupElement("headroom"));

    public static int headroom(MemorySegment struct) {
        return struct.get(headroom$LAYOUT, headroom$OFFSET);
    }

    public static void headroom(MemorySegment struct, int fieldValue) {
        struct.set(headroom$LAYOUT, headroom$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt rx_l4_cksum_good$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("rx_l4_cksum_good"));

    public static final java.lang.foreign.ValueLayout.OfInt rx_l4_cksum_good$layout() {
        return rx_l4_cksum_good$LAYOUT;
    }

    private static final long rx_l4_cksum_good$OFFSET = $LAYOUT.byteOffset(groupElement("rx_l4_cksum_good"));

    public static final long rx_l4_cksum_good$offset() {
        return rx_l4_cksum_good$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle rx_l4_cksum_good$VH = $LAYOUT.varHandle(groupElement("rx_l4_cksum_good"));

    public static int rx_l4_cksum_good(MemorySegment struct) {
        return struct.get(rx_l4_cksum_good$LAYOUT, rx_l4_cksum_good$OFFSET);
    }

    public static void rx_l4_cksum_good(MemorySegment struct, int fieldValue) {
        struct.set(rx_l4_cksum_good$LAYOUT, rx_l4_cksum_good$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfInt rx_l4_cksum_bad$LAYOUT = (java.lang.foreign.ValueLayout.OfInt) $LAYOUT.select(groupElement("rx_l4_cksum_bad"));

    public static final java.lang.foreign.ValueLayout.OfInt rx_l4_cksum_bad$layout() {
        return rx_l4_cksum_bad$LAYOUT;
    }

    private static final long rx_l4_cksum_bad$OFFSET = $LAYOUT.byteOffset(groupElement("rx_l4_cksum_bad"));

    public static final long rx_l4_cksum_bad$offset() {
        return rx_l4_cksum_bad$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle rx_l4_cksum_bad$VH = $LAYOUT.varHandle(groupElement("rx_l4_cksum_bad"));

    public static int rx_l4_cksum_bad(MemorySegment struct) {
        return struct.get(rx_l4_cksum_bad$LAYOUT, rx_l4_cksum_bad$OFFSET);
    }

    public static void rx_l4_cksum_bad(MemorySegment struct, int fieldValue) {
        struct.set(rx_l4_cksum_bad$LAYOUT, rx_l4_cksum_bad$OFFSET, fieldValue);
    }
}
