package io.dvmc.bindings.shim;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds libdvmcshim.so. Not generated: jextract's own lookup only knows the dlopen search path, while the build
 * puts the library in native/build and passes that directory to the JVMs it starts.
 */
public final class ShimLibrary
{

    public static final String NAME = "dvmcshim";
    public static final String DIR_PROPERTY = "dvmc.native.dir";
    public static final String DIR_ENV = "DVMC_NATIVE_DIR";

    private ShimLibrary()
    {
    }

    /** Candidate files in order: -Ddvmc.native.dir, $DVMC_NATIVE_DIR, then each java.library.path entry. */
    public static List<Path> candidates()
    {
        String file = System.mapLibraryName(NAME);
        List<Path> out = new ArrayList<>();
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank())
        {
            out.add(Path.of(prop, file));
        }
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank())
        {
            out.add(Path.of(env, file));
        }
        String libPath = System.getProperty("java.library.path", "");
        for (String dir : libPath.split(File.pathSeparator))
        {
            if (!dir.isBlank())
            {
                out.add(Path.of(dir, file));
            }
        }
        return out;
    }

    /** The first candidate that exists, or null. */
    public static Path locate()
    {
        for (Path p : candidates())
        {
            if (Files.isRegularFile(p))
            {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    static SymbolLookup lookup(Arena arena)
    {
        Path path = locate();
        if (path != null)
        {
            return SymbolLookup.libraryLookup(path, arena);
        }
        try
        {
            // Last resort: the dynamic linker's search path (LD_LIBRARY_PATH, ld.so.cache).
            return SymbolLookup.libraryLookup(System.mapLibraryName(NAME), arena);
        }
        catch (IllegalArgumentException e)
        {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(System.mapLibraryName(NAME) + " not found in " +
                candidates() + " nor on the dynamic linker path; build it with `make -C native`" + " and set -D" +
                DIR_PROPERTY + " or " + DIR_ENV);
            error.initCause(e);
            throw error;
        }
    }
}
