package io.dvmc.bindings.shim;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every function declared in native/dvmc_shim.h is bound in dvmc_shim_h and resolves in the built library. */
class BindingsCoverageTest
{

    // A declaration: return type, then dvmc_name(params); (definitions and prose never end in ");").
    private static final Pattern DECL = Pattern.compile(
        "^[\\w\\s*]*?\\b(dvmc_\\w+)\\s*\\(([^)]*)\\)\\s*;", Pattern.MULTILINE);

    static Path header()
    {
        String dir = System.getProperty(ShimLibrary.DIR_PROPERTY, System.getenv(ShimLibrary.DIR_ENV));
        if (dir != null)
        {
            Path h = Path.of(dir).getParent().resolve("dvmc_shim.h");
            if (Files.exists(h))
            {
                return h;
            }
        }
        return Path.of("..", "native", "dvmc_shim.h");
    }

    static Map<String, Integer> declaredFunctions() throws IOException
    {
        String text = Files.readString(header());
        text = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = DECL.matcher(text);
        while (m.find())
        {
            String params = m.group(2).trim();
            int arity = params.isEmpty() || params.equals("void") ? 0 : params.split(",").length;
            out.put(m.group(1), arity);
        }
        return out;
    }

    @Test
    void everyHeaderFunctionIsBoundWithTheSameArity() throws IOException
    {
        Map<String, Integer> declared = declaredFunctions();
        assertTrue(declared.size() >= 25, "parsed too few declarations: " + declared);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Integer> e : declared.entrySet())
        {
            boolean found = false;
            for (Method method : dvmc_shim_h.class.getDeclaredMethods())
            {
                int mod = method.getModifiers();
                if (method.getName().equals(e.getKey()) && Modifier.isPublic(mod) && Modifier.isStatic(mod) &&
                    method.getParameterCount() == e.getValue())
                {
                    found = true;
                }
            }
            if (!found)
            {
                missing.add(e.getKey() + "/" + e.getValue());
            }
        }
        assertTrue(missing.isEmpty(), "not bound in dvmc_shim_h: " + missing);
    }

    @Test
    void nothingIsBoundThatTheHeaderLacks() throws IOException
    {
        Map<String, Integer> declared = declaredFunctions();
        List<String> extra = new ArrayList<>();
        for (Method method : dvmc_shim_h.class.getDeclaredMethods())
        {
            String name = method.getName();
            if (Modifier.isPublic(method.getModifiers()) && name.startsWith("dvmc_") && !name.contains("$") &&
                !declared.containsKey(name))
            {
                extra.add(name);
            }
        }
        assertTrue(extra.isEmpty(), "bound but not in the header: " + extra);
    }

    @Test
    void everyHeaderFunctionResolvesInTheLibrary() throws Exception
    {
        assertNotNull(ShimLibrary.locate(), "libdvmcshim.so not found in " + ShimLibrary.candidates());
        for (String name : declaredFunctions().keySet())
        {
            MemorySegment address = (MemorySegment)dvmc_shim_h.class.getMethod(name + "$address").invoke(null);
            assertFalse(address.equals(MemorySegment.NULL), name);
            assertNotNull(dvmc_shim_h.class.getMethod(name + "$handle").invoke(null), name);
        }
    }

    @Test
    void mbufLayoutIsReadableWithoutEal()
    {
        try (Arena arena = Arena.ofConfined())
        {
            MemorySegment layout = dvmc_mbuf_layout.allocate(arena);
            dvmc_shim_h.dvmc_mbuf_layout(layout);
            assertEquals(0, dvmc_mbuf_layout.buf_addr(layout));
            assertEquals(128, dvmc_mbuf_layout.mbuf_size(layout));
            assertEquals(128, dvmc_mbuf_layout.headroom(layout));
            assertTrue(dvmc_mbuf_layout.data_off(layout) > 0);
            assertEquals(dvmc_mbuf_layout.buf_len(layout), (int)dvmc_mbuf_layout.buf_len$VH.get(layout, 0L));
        }
    }

    @Test
    void strerrorNeedsNoEal()
    {
        String text = dvmc_shim_h.dvmc_strerror(-22).getString(0);
        assertEquals("Invalid argument", text);
    }
}
