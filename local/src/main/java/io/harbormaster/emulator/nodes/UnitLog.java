package io.harbormaster.emulator.nodes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.regex.Pattern;

/** A unit's journal: its output and the harness's notes, one timestamped line each, with secrets redacted. */
final class UnitLog {
    private static final Pattern SWARM_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");

    private final Path file;

    UnitLog(Path file) {
        this.file = file;
    }

    /** Nodes hold no key; the swarm join token is the one secret a unit's output could show. */
    static String redact(String line) {
        return SWARM_TOKEN.matcher(line).replaceAll("SWMTKN-<redacted>");
    }

    synchronized void note(String line) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            out.write(Instant.now() + " " + redact(line) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Copies a process's output into the log on a daemon thread, until the stream ends. */
    Thread follow(InputStream output, String label) {
        Thread thread = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    note(line);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, label);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
