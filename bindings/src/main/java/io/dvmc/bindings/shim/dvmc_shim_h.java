// Hand-written in the layout jextract generates from native/dvmc_shim.h (`make bindings` regenerates it where
// jextract is on PATH; then restore the SYMBOL_LOOKUP line and the CRITICAL options marked "dvmc:").
// BindingsCoverageTest checks that every function of the header is bound here and resolves.
package io.dvmc.bindings.shim;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.stream.Collectors;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

@SuppressWarnings({"unused", "checkstyle:MethodName", "checkstyle:TypeName"})
public class dvmc_shim_h {

    dvmc_shim_h() {
        // Should not be called directly
    }

    static final Arena LIBRARY_ARENA = Arena.ofAuto();
    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {
        String traceArgs = Arrays.stream(args).map(Object::toString).collect(Collectors.joining(", "));
        System.out.printf("%s(%s)\n", name, traceArgs);
    }

    static MemorySegment findOrThrow(String symbol) {
        return SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    // dvmc: the library is found through dvmc.native.dir / DVMC_NATIVE_DIR / java.library.path (ShimLibrary).
    static final SymbolLookup SYMBOL_LOOKUP = ShimLibrary.lookup(LIBRARY_ARENA);

    /*
     * dvmc: the short, non-blocking calls of the hot path (bursts, bulk alloc/free) are linked critical: no Java
     * thread-state transition around the call. Heap access stays off: mbuf pointer arrays are off-heap. Measured with
     * io.dvmc.port.PortRxRateMain (net_pcap infinite_rx, 64-byte frames, rx + bulk free, 2 shared cores): burst 4
     * 90 Mpps critical vs 83 Mpps not; burst 32 70 vs 69 (within noise). -Ddvmc.ffm.critical=false turns it off.
     */
    static final boolean CRITICAL = !"false".equals(System.getProperty("dvmc.ffm.critical"));

    static MethodHandle downcall(MemorySegment address, FunctionDescriptor desc, boolean hot) {
        return hot && CRITICAL
            ? Linker.nativeLinker().downcallHandle(address, desc, Linker.Option.critical(false))
            : Linker.nativeLinker().downcallHandle(address, desc);
    }

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
        .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

    private static class dvmc_eal_init {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_eal_init");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_eal_init$descriptor() {
        return dvmc_eal_init.DESC;
    }

    public static MethodHandle dvmc_eal_init$handle() {
        return dvmc_eal_init.HANDLE;
    }

    public static MemorySegment dvmc_eal_init$address() {
        return dvmc_eal_init.ADDR;
    }

    public static int dvmc_eal_init(int argc, MemorySegment argv) {
        var mh$ = dvmc_eal_init.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_eal_init", argc, argv);
            }
            return (int) mh$.invokeExact(argc, argv);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_eal_cleanup {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_eal_cleanup");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_eal_cleanup$descriptor() {
        return dvmc_eal_cleanup.DESC;
    }

    public static MethodHandle dvmc_eal_cleanup$handle() {
        return dvmc_eal_cleanup.HANDLE;
    }

    public static MemorySegment dvmc_eal_cleanup$address() {
        return dvmc_eal_cleanup.ADDR;
    }

    public static int dvmc_eal_cleanup() {
        var mh$ = dvmc_eal_cleanup.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_eal_cleanup");
            }
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_strerror {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_POINTER, dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_strerror");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_strerror$descriptor() {
        return dvmc_strerror.DESC;
    }

    public static MethodHandle dvmc_strerror$handle() {
        return dvmc_strerror.HANDLE;
    }

    public static MemorySegment dvmc_strerror$address() {
        return dvmc_strerror.ADDR;
    }

    public static MemorySegment dvmc_strerror(int errnum) {
        var mh$ = dvmc_strerror.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_strerror", errnum);
            }
            return (MemorySegment) mh$.invokeExact(errnum);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_errno {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_errno");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_errno$descriptor() {
        return dvmc_errno.DESC;
    }

    public static MethodHandle dvmc_errno$handle() {
        return dvmc_errno.HANDLE;
    }

    public static MemorySegment dvmc_errno$address() {
        return dvmc_errno.ADDR;
    }

    public static int dvmc_errno() {
        var mh$ = dvmc_errno.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_errno");
            }
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_thread_register {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_thread_register");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_thread_register$descriptor() {
        return dvmc_thread_register.DESC;
    }

    public static MethodHandle dvmc_thread_register$handle() {
        return dvmc_thread_register.HANDLE;
    }

    public static MemorySegment dvmc_thread_register$address() {
        return dvmc_thread_register.ADDR;
    }

    public static int dvmc_thread_register() {
        var mh$ = dvmc_thread_register.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_thread_register");
            }
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_thread_unregister {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid();

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_thread_unregister");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_thread_unregister$descriptor() {
        return dvmc_thread_unregister.DESC;
    }

    public static MethodHandle dvmc_thread_unregister$handle() {
        return dvmc_thread_unregister.HANDLE;
    }

    public static MemorySegment dvmc_thread_unregister$address() {
        return dvmc_thread_unregister.ADDR;
    }

    public static void dvmc_thread_unregister() {
        var mh$ = dvmc_thread_unregister.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_thread_unregister");
            }
            mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_mempool_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_POINTER, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_INT, dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_mempool_create");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_mempool_create$descriptor() {
        return dvmc_mempool_create.DESC;
    }

    public static MethodHandle dvmc_mempool_create$handle() {
        return dvmc_mempool_create.HANDLE;
    }

    public static MemorySegment dvmc_mempool_create$address() {
        return dvmc_mempool_create.ADDR;
    }

    public static MemorySegment dvmc_mempool_create(MemorySegment name, int n, int cache, short data_room, int socket) {
        var mh$ = dvmc_mempool_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_mempool_create", name, n, cache, data_room, socket);
            }
            return (MemorySegment) mh$.invokeExact(name, n, cache, data_room, socket);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_mempool_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_mempool_free");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_mempool_free$descriptor() {
        return dvmc_mempool_free.DESC;
    }

    public static MethodHandle dvmc_mempool_free$handle() {
        return dvmc_mempool_free.HANDLE;
    }

    public static MemorySegment dvmc_mempool_free$address() {
        return dvmc_mempool_free.ADDR;
    }

    public static void dvmc_mempool_free(MemorySegment pool) {
        var mh$ = dvmc_mempool_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_mempool_free", pool);
            }
            mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_mempool_avail {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_mempool_avail");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_mempool_avail$descriptor() {
        return dvmc_mempool_avail.DESC;
    }

    public static MethodHandle dvmc_mempool_avail$handle() {
        return dvmc_mempool_avail.HANDLE;
    }

    public static MemorySegment dvmc_mempool_avail$address() {
        return dvmc_mempool_avail.ADDR;
    }

    public static int dvmc_mempool_avail(MemorySegment pool) {
        var mh$ = dvmc_mempool_avail.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_mempool_avail", pool);
            }
            return (int) mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_mempool_in_use {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_mempool_in_use");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_mempool_in_use$descriptor() {
        return dvmc_mempool_in_use.DESC;
    }

    public static MethodHandle dvmc_mempool_in_use$handle() {
        return dvmc_mempool_in_use.HANDLE;
    }

    public static MemorySegment dvmc_mempool_in_use$address() {
        return dvmc_mempool_in_use.ADDR;
    }

    public static int dvmc_mempool_in_use(MemorySegment pool) {
        var mh$ = dvmc_mempool_in_use.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_mempool_in_use", pool);
            }
            return (int) mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_count");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_count$descriptor() {
        return dvmc_port_count.DESC;
    }

    public static MethodHandle dvmc_port_count$handle() {
        return dvmc_port_count.HANDLE;
    }

    public static MemorySegment dvmc_port_count$address() {
        return dvmc_port_count.ADDR;
    }

    public static short dvmc_port_count() {
        var mh$ = dvmc_port_count.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_count");
            }
            return (short) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_by_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_by_name");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_by_name$descriptor() {
        return dvmc_port_by_name.DESC;
    }

    public static MethodHandle dvmc_port_by_name$handle() {
        return dvmc_port_by_name.HANDLE;
    }

    public static MemorySegment dvmc_port_by_name$address() {
        return dvmc_port_by_name.ADDR;
    }

    public static int dvmc_port_by_name(MemorySegment name, MemorySegment port_id) {
        var mh$ = dvmc_port_by_name.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_by_name", name, port_id);
            }
            return (int) mh$.invokeExact(name, port_id);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_LONG);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_name");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_name$descriptor() {
        return dvmc_port_name.DESC;
    }

    public static MethodHandle dvmc_port_name$handle() {
        return dvmc_port_name.HANDLE;
    }

    public static MemorySegment dvmc_port_name$address() {
        return dvmc_port_name.ADDR;
    }

    public static int dvmc_port_name(short port, MemorySegment buf, long len) {
        var mh$ = dvmc_port_name.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_name", port, buf, len);
            }
            return (int) mh$.invokeExact(port, buf, len);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_if_index {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_if_index");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_if_index$descriptor() {
        return dvmc_port_if_index.DESC;
    }

    public static MethodHandle dvmc_port_if_index$handle() {
        return dvmc_port_if_index.HANDLE;
    }

    public static MemorySegment dvmc_port_if_index$address() {
        return dvmc_port_if_index.ADDR;
    }

    public static int dvmc_port_if_index(short port) {
        var mh$ = dvmc_port_if_index.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_if_index", port);
            }
            return (int) mh$.invokeExact(port);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_max_queues {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_max_queues");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_max_queues$descriptor() {
        return dvmc_port_max_queues.DESC;
    }

    public static MethodHandle dvmc_port_max_queues$handle() {
        return dvmc_port_max_queues.HANDLE;
    }

    public static MemorySegment dvmc_port_max_queues$address() {
        return dvmc_port_max_queues.ADDR;
    }

    public static int dvmc_port_max_queues(short port, MemorySegment rx, MemorySegment tx) {
        var mh$ = dvmc_port_max_queues.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_max_queues", port, rx, tx);
            }
            return (int) mh$.invokeExact(port, rx, tx);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_setup {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_setup");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_setup$descriptor() {
        return dvmc_port_setup.DESC;
    }

    public static MethodHandle dvmc_port_setup$handle() {
        return dvmc_port_setup.HANDLE;
    }

    public static MemorySegment dvmc_port_setup$address() {
        return dvmc_port_setup.ADDR;
    }

    public static int dvmc_port_setup(short port, MemorySegment pool, short nb_rxd, short nb_txd, short nb_queues) {
        var mh$ = dvmc_port_setup.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_setup", port, pool, nb_rxd, nb_txd, nb_queues);
            }
            return (int) mh$.invokeExact(port, pool, nb_rxd, nb_txd, nb_queues);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_stop {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_stop");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_stop$descriptor() {
        return dvmc_port_stop.DESC;
    }

    public static MethodHandle dvmc_port_stop$handle() {
        return dvmc_port_stop.HANDLE;
    }

    public static MemorySegment dvmc_port_stop$address() {
        return dvmc_port_stop.ADDR;
    }

    public static int dvmc_port_stop(short port) {
        var mh$ = dvmc_port_stop.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_stop", port);
            }
            return (int) mh$.invokeExact(port);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_close {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_close");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_close$descriptor() {
        return dvmc_port_close.DESC;
    }

    public static MethodHandle dvmc_port_close$handle() {
        return dvmc_port_close.HANDLE;
    }

    public static MemorySegment dvmc_port_close$address() {
        return dvmc_port_close.ADDR;
    }

    public static int dvmc_port_close(short port) {
        var mh$ = dvmc_port_close.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_close", port);
            }
            return (int) mh$.invokeExact(port);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_mac {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_mac");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_mac$descriptor() {
        return dvmc_port_mac.DESC;
    }

    public static MethodHandle dvmc_port_mac$handle() {
        return dvmc_port_mac.HANDLE;
    }

    public static MemorySegment dvmc_port_mac$address() {
        return dvmc_port_mac.ADDR;
    }

    public static int dvmc_port_mac(short port, MemorySegment mac) {
        var mh$ = dvmc_port_mac.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_mac", port, mac);
            }
            return (int) mh$.invokeExact(port, mac);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_link_up {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_link_up");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_link_up$descriptor() {
        return dvmc_port_link_up.DESC;
    }

    public static MethodHandle dvmc_port_link_up$handle() {
        return dvmc_port_link_up.HANDLE;
    }

    public static MemorySegment dvmc_port_link_up$address() {
        return dvmc_port_link_up.ADDR;
    }

    public static int dvmc_port_link_up(short port) {
        var mh$ = dvmc_port_link_up.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_link_up", port);
            }
            return (int) mh$.invokeExact(port);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_rx_wake_fd {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_rx_wake_fd");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_rx_wake_fd$descriptor() {
        return dvmc_port_rx_wake_fd.DESC;
    }

    public static MethodHandle dvmc_port_rx_wake_fd$handle() {
        return dvmc_port_rx_wake_fd.HANDLE;
    }

    public static MemorySegment dvmc_port_rx_wake_fd$address() {
        return dvmc_port_rx_wake_fd.ADDR;
    }

    public static int dvmc_port_rx_wake_fd(short port, short queue) {
        var mh$ = dvmc_port_rx_wake_fd.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_rx_wake_fd", port, queue);
            }
            return (int) mh$.invokeExact(port, queue);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_rx_arm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_rx_arm");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_rx_arm$descriptor() {
        return dvmc_port_rx_arm.DESC;
    }

    public static MethodHandle dvmc_port_rx_arm$handle() {
        return dvmc_port_rx_arm.HANDLE;
    }

    public static MemorySegment dvmc_port_rx_arm$address() {
        return dvmc_port_rx_arm.ADDR;
    }

    public static int dvmc_port_rx_arm(short port, short queue) {
        var mh$ = dvmc_port_rx_arm.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_rx_arm", port, queue);
            }
            return (int) mh$.invokeExact(port, queue);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_rx_disarm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_rx_disarm");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_rx_disarm$descriptor() {
        return dvmc_port_rx_disarm.DESC;
    }

    public static MethodHandle dvmc_port_rx_disarm$handle() {
        return dvmc_port_rx_disarm.HANDLE;
    }

    public static MemorySegment dvmc_port_rx_disarm$address() {
        return dvmc_port_rx_disarm.ADDR;
    }

    public static int dvmc_port_rx_disarm(short port, short queue) {
        var mh$ = dvmc_port_rx_disarm.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_rx_disarm", port, queue);
            }
            return (int) mh$.invokeExact(port, queue);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_rx_drain {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_rx_drain");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_rx_drain$descriptor() {
        return dvmc_port_rx_drain.DESC;
    }

    public static MethodHandle dvmc_port_rx_drain$handle() {
        return dvmc_port_rx_drain.HANDLE;
    }

    public static MemorySegment dvmc_port_rx_drain$address() {
        return dvmc_port_rx_drain.ADDR;
    }

    public static int dvmc_port_rx_drain(short port, short queue) {
        var mh$ = dvmc_port_rx_drain.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_rx_drain", port, queue);
            }
            return (int) mh$.invokeExact(port, queue);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_rx_burst {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_rx_burst");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, true);
    }

    public static FunctionDescriptor dvmc_rx_burst$descriptor() {
        return dvmc_rx_burst.DESC;
    }

    public static MethodHandle dvmc_rx_burst$handle() {
        return dvmc_rx_burst.HANDLE;
    }

    public static MemorySegment dvmc_rx_burst$address() {
        return dvmc_rx_burst.ADDR;
    }

    public static short dvmc_rx_burst(short port, short queue, MemorySegment mbufs, short n) {
        var mh$ = dvmc_rx_burst.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_rx_burst", port, queue, mbufs, n);
            }
            return (short) mh$.invokeExact(port, queue, mbufs, n);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_tx_burst {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_tx_burst");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, true);
    }

    public static FunctionDescriptor dvmc_tx_burst$descriptor() {
        return dvmc_tx_burst.DESC;
    }

    public static MethodHandle dvmc_tx_burst$handle() {
        return dvmc_tx_burst.HANDLE;
    }

    public static MemorySegment dvmc_tx_burst$address() {
        return dvmc_tx_burst.ADDR;
    }

    public static short dvmc_tx_burst(short port, short queue, MemorySegment mbufs, short n) {
        var mh$ = dvmc_tx_burst.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_tx_burst", port, queue, mbufs, n);
            }
            return (short) mh$.invokeExact(port, queue, mbufs, n);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_pktmbuf_alloc_bulk {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_pktmbuf_alloc_bulk");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, true);
    }

    public static FunctionDescriptor dvmc_pktmbuf_alloc_bulk$descriptor() {
        return dvmc_pktmbuf_alloc_bulk.DESC;
    }

    public static MethodHandle dvmc_pktmbuf_alloc_bulk$handle() {
        return dvmc_pktmbuf_alloc_bulk.HANDLE;
    }

    public static MemorySegment dvmc_pktmbuf_alloc_bulk$address() {
        return dvmc_pktmbuf_alloc_bulk.ADDR;
    }

    public static int dvmc_pktmbuf_alloc_bulk(MemorySegment pool, MemorySegment mbufs, int n) {
        var mh$ = dvmc_pktmbuf_alloc_bulk.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_pktmbuf_alloc_bulk", pool, mbufs, n);
            }
            return (int) mh$.invokeExact(pool, mbufs, n);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_pktmbuf_free_bulk {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(dvmc_shim_h.C_POINTER, dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_pktmbuf_free_bulk");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, true);
    }

    public static FunctionDescriptor dvmc_pktmbuf_free_bulk$descriptor() {
        return dvmc_pktmbuf_free_bulk.DESC;
    }

    public static MethodHandle dvmc_pktmbuf_free_bulk$handle() {
        return dvmc_pktmbuf_free_bulk.HANDLE;
    }

    public static MemorySegment dvmc_pktmbuf_free_bulk$address() {
        return dvmc_pktmbuf_free_bulk.ADDR;
    }

    public static void dvmc_pktmbuf_free_bulk(MemorySegment mbufs, int n) {
        var mh$ = dvmc_pktmbuf_free_bulk.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_pktmbuf_free_bulk", mbufs, n);
            }
            mh$.invokeExact(mbufs, n);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_pktmbuf_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_pktmbuf_free");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, true);
    }

    public static FunctionDescriptor dvmc_pktmbuf_free$descriptor() {
        return dvmc_pktmbuf_free.DESC;
    }

    public static MethodHandle dvmc_pktmbuf_free$handle() {
        return dvmc_pktmbuf_free.HANDLE;
    }

    public static MemorySegment dvmc_pktmbuf_free$address() {
        return dvmc_pktmbuf_free.ADDR;
    }

    public static void dvmc_pktmbuf_free(MemorySegment mbuf) {
        var mh$ = dvmc_pktmbuf_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_pktmbuf_free", mbuf);
            }
            mh$.invokeExact(mbuf);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_mbuf_layout {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_mbuf_layout");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_mbuf_layout$descriptor() {
        return dvmc_mbuf_layout.DESC;
    }

    public static MethodHandle dvmc_mbuf_layout$handle() {
        return dvmc_mbuf_layout.HANDLE;
    }

    public static MemorySegment dvmc_mbuf_layout$address() {
        return dvmc_mbuf_layout.ADDR;
    }

    public static void dvmc_mbuf_layout(MemorySegment out) {
        var mh$ = dvmc_mbuf_layout.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_mbuf_layout", out);
            }
            mh$.invokeExact(out);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_stats {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_stats");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_stats$descriptor() {
        return dvmc_port_stats.DESC;
    }

    public static MethodHandle dvmc_port_stats$handle() {
        return dvmc_port_stats.HANDLE;
    }

    public static MemorySegment dvmc_port_stats$address() {
        return dvmc_port_stats.ADDR;
    }

    public static int dvmc_port_stats(short port, MemorySegment out) {
        var mh$ = dvmc_port_stats.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_stats", port, out);
            }
            return (int) mh$.invokeExact(port, out);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_port_stats_reset {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_SHORT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_port_stats_reset");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_port_stats_reset$descriptor() {
        return dvmc_port_stats_reset.DESC;
    }

    public static MethodHandle dvmc_port_stats_reset$handle() {
        return dvmc_port_stats_reset.HANDLE;
    }

    public static MemorySegment dvmc_port_stats_reset$address() {
        return dvmc_port_stats_reset.ADDR;
    }

    public static int dvmc_port_stats_reset(short port) {
        var mh$ = dvmc_port_stats_reset.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_port_stats_reset", port);
            }
            return (int) mh$.invokeExact(port);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_vdev_add {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_vdev_add");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_vdev_add$descriptor() {
        return dvmc_vdev_add.DESC;
    }

    public static MethodHandle dvmc_vdev_add$handle() {
        return dvmc_vdev_add.HANDLE;
    }

    public static MemorySegment dvmc_vdev_add$address() {
        return dvmc_vdev_add.ADDR;
    }

    public static int dvmc_vdev_add(MemorySegment name, MemorySegment args) {
        var mh$ = dvmc_vdev_add.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_vdev_add", name, args);
            }
            return (int) mh$.invokeExact(name, args);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_vdev_remove {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT, dvmc_shim_h.C_POINTER);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_vdev_remove");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_vdev_remove$descriptor() {
        return dvmc_vdev_remove.DESC;
    }

    public static MethodHandle dvmc_vdev_remove$handle() {
        return dvmc_vdev_remove.HANDLE;
    }

    public static MemorySegment dvmc_vdev_remove$address() {
        return dvmc_vdev_remove.ADDR;
    }

    public static int dvmc_vdev_remove(MemorySegment name) {
        var mh$ = dvmc_vdev_remove.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_vdev_remove", name);
            }
            return (int) mh$.invokeExact(name);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_lcore_id {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_lcore_id");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_lcore_id$descriptor() {
        return dvmc_lcore_id.DESC;
    }

    public static MethodHandle dvmc_lcore_id$handle() {
        return dvmc_lcore_id.HANDLE;
    }

    public static MemorySegment dvmc_lcore_id$address() {
        return dvmc_lcore_id.ADDR;
    }

    public static int dvmc_lcore_id() {
        var mh$ = dvmc_lcore_id.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_lcore_id");
            }
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class dvmc_socket_id {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(dvmc_shim_h.C_INT);

        public static final MemorySegment ADDR = dvmc_shim_h.findOrThrow("dvmc_socket_id");

        public static final MethodHandle HANDLE = dvmc_shim_h.downcall(ADDR, DESC, false);
    }

    public static FunctionDescriptor dvmc_socket_id$descriptor() {
        return dvmc_socket_id.DESC;
    }

    public static MethodHandle dvmc_socket_id$handle() {
        return dvmc_socket_id.HANDLE;
    }

    public static MemorySegment dvmc_socket_id$address() {
        return dvmc_socket_id.ADDR;
    }

    public static int dvmc_socket_id() {
        var mh$ = dvmc_socket_id.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("dvmc_socket_id");
            }
            return (int) mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }
}
