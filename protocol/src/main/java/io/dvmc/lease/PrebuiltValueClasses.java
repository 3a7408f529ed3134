package io.dvmc.lease;

import net.openhft.chronicle.hash.VanillaGlobalMutableState;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A build step (the protocol module's process-classes phase, see its pom): writes into the module's classes the class
 * that Chronicle Map generates for the header of every map file, {@code VanillaGlobalMutableState$$Native}.
 * Chronicle Values asks the value interface's class loader for a generated class by its name before it generates
 * the source and compiles it with javac, which took about 1.7 s at every start of the agent and the dataplane;
 * found on the class path, nothing is compiled (and class-data sharing can archive it like any other class). The
 * source is what Chronicle's own generator makes from the Chronicle version the build resolves, so the class and
 * the library always match.
 */
public final class PrebuiltValueClasses
{
    /** The suffix Chronicle Values gives the off-heap implementation of a value interface. */
    static final String NATIVE_SUFFIX = "$$Native";

    private PrebuiltValueClasses()
    {
    }

    /** @param args the classes directory to write into. */
    public static void main(final String[] args) throws Exception
    {
        final Path classes = Path.of(args[0]);
        final Class<?> valueType = VanillaGlobalMutableState.class;
        final String simpleName = valueType.getSimpleName() + NATIVE_SUFFIX;
        final String source = generatedSource(valueType, simpleName);
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        final JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + simpleName + ".java"),
            JavaFileObject.Kind.SOURCE)
        {
            @Override
            public CharSequence getCharContent(final boolean ignoreEncodingErrors)
            {
                return source;
            }
        };
        Files.createDirectories(classes);
        final boolean compiled = javac.getTask(null, null, diagnostics, List.of("-d", classes.toString(),
            "-classpath", System.getProperty("java.class.path"), "-proc:none", "-nowarn"), null, List.of(file)).call();
        if (!compiled)
        {
            throw new IllegalStateException("cannot compile " + simpleName + ": " + diagnostics.getDiagnostics());
        }
        System.out.println("prebuilt " + valueType.getPackageName() + "." + simpleName + " into " + classes);
    }

    /** Chronicle Values' own source of the class, through its package-private generator. */
    private static String generatedSource(final Class<?> valueType, final String simpleName) throws Exception
    {
        final Class<?> model = Class.forName("net.openhft.chronicle.values.ValueModel");
        final Object valueModel = model.getMethod("acquire", Class.class).invoke(null, valueType);
        final Method generate = Class.forName("net.openhft.chronicle.values.Generators")
            .getDeclaredMethod("generateNativeClass", model, String.class);
        generate.setAccessible(true);
        return (String)generate.invoke(null, valueModel, simpleName);
    }
}
