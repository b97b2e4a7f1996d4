package io.harbormaster.emulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The parts of a cloud-config that a machine acts on: the files it writes and the commands it runs once. */
public record CloudConfig(List<WriteFile> writeFiles, List<List<String>> runcmd, List<String> skipped) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One {@code write_files} entry; {@code permissions} is octal text as cloud-init takes it ({@code '0755'}). */
    public record WriteFile(String path, byte[] content, int permissions) {
        public WriteFile {
            if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
                throw new IllegalArgumentException("write_files path must be absolute and plain: " + path);
            }
        }
    }

    public CloudConfig {
        writeFiles = List.copyOf(writeFiles);
        runcmd = runcmd.stream().map(List::copyOf).toList();
        skipped = List.copyOf(skipped);
    }

    /** Parses {@code #cloud-config} text; keys other than write_files and runcmd are listed in {@link #skipped()}. */
    public static CloudConfig parse(String text) {
        if (!text.startsWith("#cloud-config")) {
            throw new IllegalArgumentException("custom data is not a #cloud-config document");
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("custom data is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("custom data is not a YAML mapping");
        }
        List<WriteFile> files = new ArrayList<>();
        for (JsonNode entry : root.path("write_files")) {
            files.add(writeFile(entry));
        }
        List<List<String>> commands = new ArrayList<>();
        for (JsonNode command : root.path("runcmd")) {
            commands.add(command(command));
        }
        List<String> skipped = new ArrayList<>();
        root.fieldNames().forEachRemaining(key -> {
            if (!key.equals("write_files") && !key.equals("runcmd")) {
                skipped.add(key);
            }
        });
        return new CloudConfig(files, commands, skipped);
    }

    private static WriteFile writeFile(JsonNode entry) {
        String path = entry.path("path").asText("");
        String content = entry.path("content").asText("");
        String encoding = entry.path("encoding").asText("text/plain");
        byte[] bytes = switch (encoding) {
            case "b64", "base64" -> Base64.getMimeDecoder().decode(content);
            case "text/plain" -> content.getBytes(StandardCharsets.UTF_8);
            default -> throw new IllegalArgumentException("write_files " + path + ": unsupported encoding " + encoding);
        };
        String permissions = entry.path("permissions").asText("0644");
        int mode;
        try {
            mode = Integer.parseInt(permissions, 8);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("write_files " + path + ": permissions '" + permissions + "' are not octal", e);
        }
        return new WriteFile(path, bytes, mode);
    }

    /** A runcmd entry: a list is argv as is; a string is a shell command, as cloud-init runs it with sh -c. */
    private static List<String> command(JsonNode command) {
        if (command.isTextual()) {
            return List.of("sh", "-c", command.asText());
        }
        List<String> argv = new ArrayList<>();
        command.forEach(arg -> argv.add(arg.asText()));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("an empty runcmd entry");
        }
        return argv;
    }
}
