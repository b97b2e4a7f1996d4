package io.harbormaster.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The write_files entries of our cloud-config files, read without a YAML library: each entry starts with
 * "  - path: ", its keys are indented by four spaces, and content is either a literal block ("content: |",
 * lines indented by six spaces) or a single-line value. cloud-init's own schema check covers the YAML itself.
 * Tests take the agents' scripts from here, so what runs in a test is what the VMs get.
 */
final class CloudInitFiles {
    /** One write_files entry; content is exactly what cloud-init would write (before any b64 decoding). */
    record Entry(String path, String permissions, String encoding, String content, Map<String, String> keys) {}

    private CloudInitFiles() {
    }

    static String text(String relative) {
        try {
            return Files.readString(InfraFiles.path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Entry> writeFiles(String cloudConfig) {
        List<String> lines = cloudConfig.lines().toList();
        Map<String, Entry> entries = new LinkedHashMap<>();
        int i = lines.indexOf("write_files:");
        if (i < 0) {
            throw new IllegalArgumentException("no write_files");
        }
        i++;
        while (i < lines.size() && lines.get(i).startsWith("  - path: ")) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("path", lines.get(i).substring("  - path: ".length()).trim());
            i++;
            String content = null;
            while (i < lines.size() && lines.get(i).startsWith("    ") && !lines.get(i).startsWith("  - ")) {
                String line = lines.get(i).substring(4);
                int colon = line.indexOf(':');
                String key = line.substring(0, colon);
                String value = line.substring(colon + 1).trim();
                i++;
                if (key.equals("content") && value.equals("|")) {
                    List<String> block = new ArrayList<>();
                    while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).startsWith("      "))) {
                        block.add(lines.get(i).isBlank() ? "" : lines.get(i).substring(6));
                        i++;
                    }
                    while (!block.isEmpty() && block.get(block.size() - 1).isEmpty()) {
                        block.remove(block.size() - 1); // "|" keeps one final newline and drops trailing blank lines
                    }
                    content = String.join("\n", block) + "\n";
                } else {
                    keys.put(key, value);
                    if (key.equals("content")) {
                        content = value;
                    }
                }
            }
            String permissions = keys.getOrDefault("permissions", "");
            entries.put(keys.get("path"), new Entry(keys.get("path"), permissions, keys.get("encoding"), content, keys));
        }
        return entries;
    }

    static Entry entry(String cloudConfigFile, String path) {
        Entry entry = writeFiles(text(cloudConfigFile)).get(path);
        if (entry == null) {
            throw new AssertionError(cloudConfigFile + " writes no " + path);
        }
        return entry;
    }

    /** Writes the entry's content into a directory as an executable file named after the entry. */
    static Path extractScript(String cloudConfigFile, String path, Path directory) {
        Entry entry = entry(cloudConfigFile, path);
        try {
            Path file = directory.resolve(Path.of(path).getFileName().toString());
            Files.writeString(file, entry.content());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
