package io.dvmc.port;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a new JVM with this JVM's class path, the project's JVM flags ($DVMC_JVM_FLAGS) and native
 * directory: one EAL per process, so each EAL test runs in its own JVM.
 */
final class ForkedJvm
{

    /** Exit code (-1 on timeout) and the merged stdout/stderr. */
    record Result(int exitCode, String output)
    {

        /** The value of the first output line "key value..." or null. */
        String value(String key)
        {
            for (String line : output.split("\n"))
            {
                if (line.startsWith(key + " "))
                {
                    return line.substring(key.length() + 1).trim();
                }
            }
            return null;
        }

        long longValue(String key)
        {
            String v = value(key);
            if (v == null)
            {
                throw new AssertionError("no line '" + key + "' in output:\n" + output);
            }
            return Long.parseLong(v);
        }
    }

    private ForkedJvm()
    {
    }

    static List<String> command(Class<?> main, List<String> jvmArgs, List<String> args)
    {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getenv("DVMC_JVM_FLAGS");
        if (flags != null && !flags.isBlank())
        {
            cmd.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        else
        {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        String nativeDir = System.getProperty("dvmc.native.dir", System.getenv("DVMC_NATIVE_DIR"));
        if (nativeDir != null)
        {
            cmd.add("-Ddvmc.native.dir=" + nativeDir);
        }
        cmd.add("-Xmx256m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }

    static Result run(Class<?> main, Duration deadline, String... args) throws IOException, InterruptedException
    {
        return run(main, deadline, List.of(), List.of(args));
    }

    static Result run(Class<?> main, Duration deadline, List<String> jvmArgs, List<String> args)
        throws IOException, InterruptedException
    {
        Path out = Files.createTempFile("dvmc-fork-", ".log");
        try
        {
            Process process = new ProcessBuilder(command(main, jvmArgs, args))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
            boolean done = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            if (!done)
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(out) + "\nTIMEOUT after " + deadline);
            }
            return new Result(process.exitValue(), Files.readString(out));
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }
}
