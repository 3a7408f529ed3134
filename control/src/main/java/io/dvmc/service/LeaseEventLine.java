package io.dvmc.service;

import java.io.PrintStream;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A lease event rendered as the shipped logging configuration's console appender renders it, byte for byte, in a
 * reusable buffer and written with one call: the plain pattern
 * {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}: %msg %kvp{NONE}%n}, or the JSON encoder's
 * object with the fields as its {@code kvpList}. Nothing is allocated per event (issue 7: formatting through Logback
 * was most of a busy service's CPU). One thread at a time.
 */
public final class LeaseEventLine implements LeaseEventWriter
{
    /** The shipped configuration's two formats (property dvmc.log.format). */
    public enum Format
    {
        PLAIN, JSON
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] JSON_HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Format format;
    private final LogTimestamp timestamp;
    private final org.agrona.concurrent.EpochClock clock;
    private final Supplier<PrintStream> out;
    private byte[] line = new byte[1024];
    private int length;
    private int fields;
    private String event;

    /**
     * @param out the stream each line is written to, asked per line as a console appender asks for
     *            {@code System.err} (a stream replaced at run time is followed).
     */
    LeaseEventLine(final Format format, final ZoneId zone, final org.agrona.concurrent.EpochClock clock,
        final Supplier<PrintStream> out)
    {
        this.format = format;
        this.timestamp = new LogTimestamp(zone);
        this.clock = clock;
        this.out = out;
    }

    public void begin(final String event)
    {
        this.event = event;
        length = 0;
        fields = 0;
        final long now = clock.time();
        if (format == Format.PLAIN)
        {
            room(LogTimestamp.MAX_LENGTH);
            length = timestamp.write(now, line, 0);
            ascii(" INFO  [");
            utf8(Thread.currentThread().getName(), false);
            ascii("] lease: ");
            ascii(event);
            ascii(" ");
        }
        else
        {
            ascii("{\"timestamp\":");
            decimal(now);
            ascii(",\"level\":\"INFO\",\"threadName\":\"");
            utf8(Thread.currentThread().getName(), true);
            ascii("\",\"loggerName\":\"" + LeaseEvents.LOGGER + "\",\"mdc\": {},\"kvpList\": [");
        }
    }

    public void unsigned(final String key, final int value)
    {
        key(key);
        decimal(Integer.toUnsignedLong(value));
        endValue();
    }

    public void mac(final String key, final long mac)
    {
        key(key);
        room(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            line[length++] = HEX[octet >>> 4];
            line[length++] = HEX[octet & 0xF];
            if (shift > 0)
            {
                line[length++] = ':';
            }
        }
        endValue();
    }

    public void ipv4(final String key, final int address)
    {
        key(key);
        dotted(address);
        endValue();
    }

    public void uuid(final String key, final long msb, final long lsb)
    {
        key(key);
        // 8-4-4-4-12 hex digits, as UUID.toString.
        hex(msb >>> 32, 8);
        ascii("-");
        hex(msb >>> 16, 4);
        ascii("-");
        hex(msb, 4);
        ascii("-");
        hex(lsb >>> 48, 4);
        ascii("-");
        hex(lsb, 12);
        endValue();
    }

    public void host(final String key, final long hostId, final int address, final int port)
    {
        key(key);
        decimal(hostId);
        ascii("@");
        dotted(address);
        ascii(":");
        decimal(port);
        endValue();
    }

    public void text(final String key, final String value)
    {
        key(key);
        utf8(value, format == Format.JSON);
        endValue();
    }

    /** Writes the line. */
    public void end()
    {
        if (format == Format.PLAIN)
        {
            ascii("\n");
        }
        else
        {
            ascii("],\"message\":\"");
            ascii(event);
            ascii("\",\"formattedMessage\":\"");
            ascii(event);
            ascii("\",\"throwable\":null}\n");
        }
        final PrintStream stream = out.get();
        stream.write(line, 0, length);
        stream.flush();
    }

    /** The last line rendered. */
    byte[] bytes()
    {
        return Arrays.copyOf(line, length);
    }

    private void key(final String key)
    {
        if (format == Format.PLAIN)
        {
            if (fields > 0)
            {
                ascii(" ");
            }
            ascii(key);
            ascii("=");
        }
        else
        {
            ascii(fields > 0 ? ",{\"" : "{\"");
            ascii(key);
            ascii("\":\"");
        }
        fields++;
    }

    private void endValue()
    {
        if (format == Format.JSON)
        {
            ascii("\"}");
        }
    }

    private void dotted(final int address)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            decimal((address >>> shift) & 0xFF);
            if (shift > 0)
            {
                ascii(".");
            }
        }
    }

    private void hex(final long value, final int digits)
    {
        room(digits);
        for (int i = digits - 1; i >= 0; i--)
        {
            line[length++] = HEX[(int)(value >>> (4 * i)) & 0xF];
        }
    }

    /** A value of at most 19 digits, not negative. */
    private void decimal(final long value)
    {
        room(20);
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10)
        {
            digits++;
        }
        long rest = value;
        for (int i = length + digits - 1; i >= length; i--)
        {
            line[i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        length += digits;
    }

    /** Text known to be ASCII without anything to escape: the constant parts. */
    private void ascii(final String text)
    {
        room(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            line[length++] = (byte)text.charAt(i);
        }
    }

    /** UTF-8 as {@code String.getBytes} writes it (an unpaired surrogate as '?'), escaped as the JSON encoder does. */
    private void utf8(final String text, final boolean jsonEscaped)
    {
        for (int i = 0; i < text.length(); i++)
        {
            room(6);
            final char c = text.charAt(i);
            if (jsonEscaped && (c < 0x20 || c == '"' || c == '\\' || c == '/'))
            {
                escape(c);
            }
            else if (c < 0x80)
            {
                line[length++] = (byte)c;
            }
            else if (c < 0x800)
            {
                line[length++] = (byte)(0xC0 | c >>> 6);
                line[length++] = (byte)(0x80 | c & 0x3F);
            }
            else
                if (Character.isHighSurrogate(c) && i + 1 < text.length() &&
                    Character.isLowSurrogate(text.charAt(i + 1)))
            {
                final int code = Character.toCodePoint(c, text.charAt(++i));
                line[length++] = (byte)(0xF0 | code >>> 18);
                line[length++] = (byte)(0x80 | code >>> 12 & 0x3F);
                line[length++] = (byte)(0x80 | code >>> 6 & 0x3F);
                line[length++] = (byte)(0x80 | code & 0x3F);
            }
                else if (Character.isSurrogate(c))
            {
                line[length++] = '?';
            }
                else
            {
                line[length++] = (byte)(0xE0 | c >>> 12);
                line[length++] = (byte)(0x80 | c >>> 6 & 0x3F);
                line[length++] = (byte)(0x80 | c & 0x3F);
            }
        }
    }

    private void escape(final char c)
    {
        line[length++] = '\\';
        switch (c)
        {
            case '\b' -> line[length++] = 'b';
            case '\t' -> line[length++] = 't';
            case '\n' -> line[length++] = 'n';
            case '\f' -> line[length++] = 'f';
            case '\r' -> line[length++] = 'r';
            case '"', '\\', '/' -> line[length++] = (byte)c;
            default -> {
                line[length++] = 'u';
                line[length++] = '0';
                line[length++] = '0';
                line[length++] = JSON_HEX[c >>> 4];
                line[length++] = JSON_HEX[c & 0xF];
            }
        }
    }

    /** Grows the buffer (a long thread name or reason, once) so that {@code bytes} more fit. */
    private void room(final int bytes)
    {
        if (length + bytes > line.length)
        {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + bytes));
        }
    }
}
