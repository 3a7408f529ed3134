package io.dvmc.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Configuration files read as UTF-8 text. A file that is not UTF-8 is refused with where it is not, rather than the
 * JDK's "Input length = 1".
 */
public final class TextFiles
{
    private TextFiles()
    {
    }

    /** The file's text; an IOException "not UTF-8 text: byte 0xFF at line L, column C" if it is not UTF-8. */
    public static String readUtf8(final Path file) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        try
        {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new IOException(notUtf8(bytes));
        }
    }

    /** Where {@code bytes} stop being UTF-8. */
    private static String notUtf8(final byte[] bytes)
    {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true);
        final int at = in.position();
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at; i++)
        {
            if (bytes[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return String.format("not UTF-8 text: byte 0x%02X at line %d, byte %d of the line (save the file as UTF-8)",
            bytes[at] & 0xFF, line, at - lineStart + 1);
    }
}
