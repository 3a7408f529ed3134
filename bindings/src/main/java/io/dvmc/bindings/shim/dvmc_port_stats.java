// Hand-written in the layout jextract generates for struct dvmc_port_stats of native/dvmc_shim.h.
package io.dvmc.bindings.shim;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * {@snippet lang=c :
 * struct dvmc_port_stats {
 *     uint64_t ipackets;
 *     uint64_t opackets;
 *     uint64_t ibytes;
 *     uint64_t obytes;
 *     uint64_t imissed;
 *     uint64_t ierrors;
 *     uint64_t oerrors;
 *     uint64_t rx_nombuf;
 * }
 * }
 */
@SuppressWarnings({"unused", "checkstyle:MethodName", "checkstyle:TypeName"})
public class dvmc_port_stats {

    dvmc_port_stats() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        dvmc_shim_h.C_LONG.withName("ipackets"),
        dvmc_shim_h.C_LONG.withName("opackets"),
        dvmc_shim_h.C_LONG.withName("ibytes"),
        dvmc_shim_h.C_LONG.withName("obytes"),
        dvmc_shim_h.C_LONG.withName("imissed"),
        dvmc_shim_h.C_LONG.withName("ierrors"),
        dvmc_shim_h.C_LONG.withName("oerrors"),
        dvmc_shim_h.C_LONG.withName("rx_nombuf")
    ).withName("dvmc_port_stats");

    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(layout());
    }

    private static final java.lang.foreign.ValueLayout.OfLong ipackets$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("ipackets"));

    public static final java.lang.foreign.ValueLayout.OfLong ipackets$layout() {
        return ipackets$LAYOUT;
    }

    private static final long ipackets$OFFSET = $LAYOUT.byteOffset(groupElement("ipackets"));

    public static final long ipackets$offset() {
        return ipackets$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle ipackets$VH = $LAYOUT.varHandle(groupElement("ipackets"));

    public static long ipackets(MemorySegment struct) {
        return struct.get(ipackets$LAYOUT, ipackets$OFFSET);
    }

    public static void ipackets(MemorySegment struct, long fieldValue) {
        struct.set(ipackets$LAYOUT, ipackets$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong opackets$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("opackets"));

    public static final java.lang.foreign.ValueLayout.OfLong opackets$layout() {
        return opackets$LAYOUT;
    }

    private static final long opackets$OFFSET = $LAYOUT.byteOffset(groupElement("opackets"));

    public static final long opackets$offset() {
        return opackets$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle opackets$VH = $LAYOUT.varHandle(groupElement("opackets"));

    public static long opackets(MemorySegment struct) {
        return struct.get(opackets$LAYOUT, opackets$OFFSET);
    }

    public static void opackets(MemorySegment struct, long fieldValue) {
        struct.set(opackets$LAYOUT, opackets$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong ibytes$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("ibytes"));

    public static final java.lang.foreign.ValueLayout.OfLong ibytes$layout() {
        return ibytes$LAYOUT;
    }

    private static final long ibytes$OFFSET = $LAYOUT.byteOffset(groupElement("ibytes"));

    public static final long ibytes$offset() {
        return ibytes$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle ibytes$VH = $LAYOUT.varHandle(groupElement("ibytes"));

    public static long ibytes(MemorySegment struct) {
        return struct.get(ibytes$LAYOUT, ibytes$OFFSET);
    }

    public static void ibytes(MemorySegment struct, long fieldValue) {
        struct.set(ibytes$LAYOUT, ibytes$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong obytes$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("obytes"));

    public static final java.lang.foreign.ValueLayout.OfLong obytes$layout() {
        return obytes$LAYOUT;
    }

    private static final long obytes$OFFSET = $LAYOUT.byteOffset(groupElement("obytes"));

    public static final long obytes$offset() {
        return obytes$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle obytes$VH = $LAYOUT.varHandle(groupElement("obytes"));

    public static long obytes(MemorySegment struct) {
        return struct.get(obytes$LAYOUT, obytes$OFFSET);
    }

    public static void obytes(MemorySegment struct, long fieldValue) {
        struct.set(obytes$LAYOUT, obytes$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong imissed$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("imissed"));

    public static final java.lang.foreign.ValueLayout.OfLong imissed$layout() {
        return imissed$LAYOUT;
    }

    private static final long imissed$OFFSET = $LAYOUT.byteOffset(groupElement("imissed"));

    public static final long imissed$offset() {
        return imissed$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle imissed$VH = $LAYOUT.varHandle(groupElement("imissed"));

    public static long imissed(MemorySegment struct) {
        return struct.get(imissed$LAYOUT, imissed$OFFSET);
    }

    public static void imissed(MemorySegment struct, long fieldValue) {
        struct.set(imissed$LAYOUT, imissed$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong ierrors$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("ierrors"));

    public static final java.lang.foreign.ValueLayout.OfLong ierrors$layout() {
        return ierrors$LAYOUT;
    }

    private static final long ierrors$OFFSET = $LAYOUT.byteOffset(groupElement("ierrors"));

    public static final long ierrors$offset() {
        return ierrors$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle ierrors$VH = $LAYOUT.varHandle(groupElement("ierrors"));

    public static long ierrors(MemorySegment struct) {
        return struct.get(ierrors$LAYOUT, ierrors$OFFSET);
    }

    public static void ierrors(MemorySegment struct, long fieldValue) {
        struct.set(ierrors$LAYOUT, ierrors$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong oerrors$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("oerrors"));

    public static final java.lang.foreign.ValueLayout.OfLong oerrors$layout() {
        return oerrors$LAYOUT;
    }

    private static final long oerrors$OFFSET = $LAYOUT.byteOffset(groupElement("oerrors"));

    public static final long oerrors$offset() {
        return oerrors$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle oerrors$VH = $LAYOUT.varHandle(groupElement("oerrors"));

    public static long oerrors(MemorySegment struct) {
        return struct.get(oerrors$LAYOUT, oerrors$OFFSET);
    }

    public static void oerrors(MemorySegment struct, long fieldValue) {
        struct.set(oerrors$LAYOUT, oerrors$OFFSET, fieldValue);
    }

    private static final java.lang.foreign.ValueLayout.OfLong rx_nombuf$LAYOUT = (java.lang.foreign.ValueLayout.OfLong) $LAYOUT.select(groupElement("rx_nombuf"));

    public static final java.lang.foreign.ValueLayout.OfLong rx_nombuf$layout() {
        return rx_nombuf$LAYOUT;
    }

    private static final long rx_nombuf$OFFSET = $LAYOUT.byteOffset(groupElement("rx_nombuf"));

    public static final long rx_nombuf$offset() {
        return rx_nombuf$OFFSET;
    }

    /** Coordinates (MemorySegment struct, long baseOffset). */
    public static final VarHandle rx_nombuf$VH = $LAYOUT.varHandle(groupElement("rx_nombuf"));

    public static long rx_nombuf(MemorySegment struct) {
        return struct.get(rx_nombuf$LAYOUT, rx_nombuf$OFFSET);
    }

    public static void rx_nombuf(MemorySegment struct, long fieldValue) {
        struct.set(rx_nombuf$LAYOUT, rx_nombuf$OFFSET, fieldValue);
    }
}
