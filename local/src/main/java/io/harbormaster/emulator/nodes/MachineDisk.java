package io.harbormaster.emulator.nodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A machine's disk: its state folder. {@code rootfs/} holds cloud-init's files at their real paths (node-init.sh
 * mounts them over the node's own view of /), {@code data/} is dockerd's data-root, {@code units/} the units' logs.
 */
record MachineDisk(Path dir) {
    private static final String INSTANCE_MARKER = "cloud-init.done";

    Path rootfs() {
        return dir.resolve("rootfs");
    }

    Path dataRoot() {
        return dir.resolve("data");
    }

    Path etcDocker() {
        return dir.resolve("etc-docker");
    }

    Path unitLog(String unit) {
        return dir.resolve("units").resolve(unit + ".log");
    }

    Path daemonLog() {
        return dir.resolve("dockerd.log");
    }

    /** The socket sits on the disk unless that path overflows sun_path (107 bytes); then in /tmp. */
    Path socket() {
        Path socket = dir.resolve("docker.sock");
        if (socket.toString().length() <= 107) {
            return socket;
        }
        String digest;
        try {
            digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dir.toString().getBytes(StandardCharsets.UTF_8)), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return Path.of("/tmp/hm-machine-" + digest, "docker.sock");
    }

    String dockerHost() {
        return "unix://" + socket();
    }

    boolean exists() {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
    }

    /** cloud-init's per-instance marker: write_files and runcmd ran on this disk already. */
    boolean initialized() {
        return Files.exists(dir.resolve(INSTANCE_MARKER));
    }

    void create() {
        try {
            Files.createDirectories(dir.getParent());
            if (!exists()) {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            }
            for (Path sub : List.of(rootfs(), dataRoot(), etcDocker(), dir.resolve("units"), socket().getParent())) {
                Files.createDirectories(sub);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the disk " + dir, e);
        }
    }

    /** Writes one write_files entry under rootfs/ with its permissions (owner is always root here). */
    void write(CloudConfig.WriteFile file) {
        Path target = rootfs().resolve(file.path().substring(1)).normalize();
        if (!target.startsWith(rootfs())) {
            throw new IllegalArgumentException("write_files path escapes the disk: " + file.path());
        }
        try {
            Files.createDirectories(target.getParent());
            Files.write(target, file.content());
            Files.setPosixFilePermissions(target, permissions(file.permissions()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.path() + " on " + dir, e);
        }
    }

    /** The file at {@code path} as the node sees it, if cloud-init wrote it. */
    Optional<String> read(String path) {
        Path file = rootfs().resolve(path.substring(1));
        return Files.isRegularFile(file) ? Optional.of(text(file)) : Optional.empty();
    }

    /** The texts of the drop-ins cloud-init wrote for {@code unit} ({@code /etc/systemd/system/UNIT.d/*.conf}), by name. */
    List<String> dropIns(String unit) {
        Path folder = rootfs().resolve("etc/systemd/system").resolve(unit + ".d");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            // systemd reads a unit's drop-ins in the lexicographic order of their names.
            return files.filter(file -> file.getFileName().toString().endsWith(".conf")).filter(Files::isRegularFile)
                    .sorted().map(MachineDisk::text).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    /** Records the enabled units and marks cloud-init's first boot as done. */
    void markInitialized(List<String> enabledUnits) {
        writeText("enabled-units", String.join("\n", enabledUnits) + "\n");
        writeText(INSTANCE_MARKER, "");
    }

    List<String> enabledUnits() {
        Path file = dir.resolve("enabled-units");
        return Files.exists(file) ? text(file).lines().filter(line -> !line.isBlank()).toList() : List.of();
    }

    Optional<String> value(String name) {
        Path file = dir.resolve(name);
        return Files.isRegularFile(file) ? Optional.of(text(file).strip()).filter(v -> !v.isEmpty()) : Optional.empty();
    }

    void writeText(String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " on " + dir, e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }
}
