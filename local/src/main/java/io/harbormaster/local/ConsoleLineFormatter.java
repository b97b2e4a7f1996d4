package io.harbormaster.local;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One log line as {@code HH:mm:ss.SSS LEVEL logger: message}, then the stack trace if any: the line the host has
 * always printed. Unlike {@link java.util.logging.SimpleFormatter} it never asks a record for its source class, which
 * walks the caller's stack on every line (a function that logs each request paid for that on each request).
 */
public final class ConsoleLineFormatter extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128);
        TIME.formatTo(LocalTime.ofInstant(record.getInstant(), zone), line);
        line.append(' ').append(record.getLevel().getName()).append(' ').append(record.getLoggerName()).append(": ")
                .append(formatMessage(record)).append(System.lineSeparator());
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter writer = new PrintWriter(trace)) {
                record.getThrown().printStackTrace(writer);
            }
            line.append(trace);
        }
        return line.toString();
    }
}
