package io.harbormaster.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An Azurite of the test's own (blob and queue, in memory) the way identity-based clients need it: OAuth "basic" over
 * https, with the certificate and key the test gives, on free loopback ports. Never the shared Azurite of
 * scripts/lib/services.sh. The executable is {@code HARBORMASTER_TEST_AZURITE_BIN} (services.sh writes it into .dev/env),
 * else one that services.sh installed in its cache, {@code ~/.cache/harbormaster/azurite-<version>}; missing, the test
 * is aborted, or failed under CI=true.
 */
public final class AzuriteOverHttps implements AutoCloseable {
    public static final String BIN = "HARBORMASTER_TEST_AZURITE_BIN";
    public static final String ACCOUNT = "devstoreaccount1";

    private final Process process;
    private final Path log;
    private final int blobPort;
    private final int queuePort;

    private AzuriteOverHttps(Process process, Path log, int blobPort, int queuePort) {
        this.process = process;
        this.log = log;
        this.blobPort = blobPort;
        this.queuePort = queuePort;
    }

    /** Starts Azurite in {@code workDir} and waits until both services accept connections. */
    public static AzuriteOverHttps start(Path certificatePem, Path keyPem, Path workDir) throws IOException {
        Optional<Path> bin = executable();
        LocalServices.require(bin.isPresent(), "Azurite is not installed: set " + BIN
                + " or install it with scripts/services.sh (it goes to ~/.cache/harbormaster/azurite-<version>)");
        Files.createDirectories(workDir);
        int blobPort = freePort();
        int queuePort = freePort();
        int tablePort = freePort();
        Path log = workDir.resolve("azurite.log");
        List<String> command = new ArrayList<>(List.of(bin.get().toString(),
                "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(blobPort),
                "--queueHost", "127.0.0.1", "--queuePort", Integer.toString(queuePort),
                "--tableHost", "127.0.0.1", "--tablePort", Integer.toString(tablePort),
                "--oauth", "basic", "--cert", certificatePem.toString(), "--key", keyPem.toString(),
                // As services.sh runs it; telemetry would post to Application Insights, and nothing may leave loopback.
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry"));
        Process process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AzuriteOverHttps azurite = new AzuriteOverHttps(process, log, blobPort, queuePort);
        try {
            azurite.awaitListening(Duration.ofSeconds(30));
        } catch (IOException | RuntimeException e) {
            azurite.close();
            throw e;
        }
        return azurite;
    }

    private static Optional<Path> executable() {
        String configured = System.getenv(BIN);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String cacheHome = System.getenv("XDG_CACHE_HOME");
        Path cache = (cacheHome == null || cacheHome.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(cacheHome)).resolve("harbormaster");
        try (java.util.stream.Stream<Path> installs = Files.list(cache)) {
            return installs.filter(dir -> dir.getFileName().toString().matches("azurite-[0-9.]+"))
                    .map(dir -> dir.resolve("node_modules/.bin/azurite")).filter(Files::isExecutable)
                    .sorted(java.util.Comparator.reverseOrder()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitListening(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        for (int port : new int[] {blobPort, queuePort}) {
            while (true) {
                try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    break;
                } catch (IOException notYet) {
                    if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                        throw new IOException("Azurite did not start listening on 127.0.0.1:" + port + " (exit "
                                + (process.isAlive() ? "none" : process.exitValue()) + "): " + tail());
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for Azurite", e);
                    }
                }
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public URI blobServiceUri() {
        return URI.create("https://127.0.0.1:" + blobPort + "/" + ACCOUNT);
    }

    public URI queueServiceUri() {
        return URI.create("https://127.0.0.1:" + queuePort + "/" + ACCOUNT);
    }

    /** Stops the process this class started, and only it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
