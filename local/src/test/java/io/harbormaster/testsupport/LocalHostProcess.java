package io.harbormaster.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The embedded local host in a child JVM, started the way scripts/dev.sh starts it, with every line it prints
 * captured so that tests can check what reaches the logs.
 */
public final class LocalHostProcess implements AutoCloseable {
    /** The JVM option every test's host starts with. */
    static final String QUICK_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

    private final Process process;
    private final int port;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private LocalHostProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        this.reader = new Thread(this::drain, "local-host-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the host with only these HARBORMASTER_* / storage settings (inherited ones are dropped). */
    public static LocalHostProcess start(Map<String, String> settings) throws IOException {
        return start(settings, freePort());
    }

    /** Starts the host on {@code port}, for settings that must name the port before the host starts. */
    public static LocalHostProcess start(Map<String, String> settings, int port) throws IOException {
        return start(System.getProperty("java.class.path"), settings, port, List.of());
    }

    /**
     * Starts the host with {@code classPath} (the test's own, or the staged package's jars) and JVM options (the
     * emulator's trust store, as scripts/dev.sh passes it).
     */
    public static LocalHostProcess start(String classPath, Map<String, String> settings, int port,
            List<String> jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The quick compiler only: on CI's 2 cores, C2's compile threads held a fresh host's start up to 10-15 s
        // (against 2-3 s) while other JVMs ran; a test's host does too little work to gain from C2's code.
        command.add(QUICK_COMPILER_ONLY);
        command.addAll(jvmOptions);
        if (jvmOptions.stream().noneMatch(option -> option.startsWith("-Djavax.net.ssl.trustStore="))) {
            // The host trusts what this JVM was told to trust: the local services' CA, for Azurite over https.
            for (String property : List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword")) {
                String value = System.getProperty(property);
                if (value != null && !value.isBlank()) {
                    command.add("-D" + property + "=" + value);
                }
            }
        }
        command.addAll(List.of("-cp", classPath, "io.harbormaster.local.LocalHost"));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        // Only what the test names reaches the host: above all no identity endpoint, cloud or scale set of the runner's.
        env.keySet().removeIf(name -> name.startsWith("HARBORMASTER_") || name.equals("AzureWebJobsStorage")
                || name.startsWith("IDENTITY_") || name.startsWith("MSI_") || name.startsWith("AZURE_"));
        // The timer binding reads its schedule from this setting, as in Azure, where the template always sets it.
        env.put("HARBORMASTER_CAPACITY_SCHEDULE", "*/30 * * * * *");
        env.putAll(settings);
        env.put("HARBORMASTER_LOCAL_PORT", Integer.toString(port));
        builder.redirectErrorStream(true);
        return new LocalHostProcess(builder.start(), port);
    }

    public static Map<String, String> settings(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    /** Waits until the host accepts connections; fails with its output if it exits or takes too long. */
    public LocalHostProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("local host exited with " + process.exitValue() + ":\n" + output());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("local host did not listen on port " + port + " within " + timeout + ":\n" + output());
    }

    /** Waits for the host to exit by itself and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("local host still running after " + timeout + ":\n" + output());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** Whether the host's process still runs: a test that shares one host across cases replaces a dead one. */
    public boolean alive() {
        return process.isAlive();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    public String output() {
        return output.toString();
    }

    /**
     * Collects the host's output; with HM_IT_HOST_LOG (a file) set, also appends it there, to read a passing run's
     * host log after the test (a failure prints it anyway).
     */
    private void drain() {
        byte[] buffer = new byte[8192];
        String copyTo = System.getenv("HM_IT_HOST_LOG");
        try (InputStream in = process.getInputStream();
                java.io.OutputStream copy = copyTo == null || copyTo.isBlank() ? java.io.OutputStream.nullOutputStream()
                        : java.nio.file.Files.newOutputStream(Path.of(copyTo), java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND)) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                output.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                copy.write(buffer, 0, read);
                copy.flush();
            }
        } catch (IOException ended) {
            // the process is gone
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Kills the host outright (SIGKILL), as a crash would: whatever it was doing stops mid-way. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        reader.join(5_000);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5_000);
    }
}
