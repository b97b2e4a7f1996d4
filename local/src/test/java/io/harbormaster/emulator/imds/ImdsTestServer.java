package io.harbormaster.emulator.imds;

import io.harbormaster.emulator.pki.EmulatorAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** One IMDS emulator on 127.0.0.1 at an ephemeral port, with VM "ss_0" at 127.0.0.2 and "ss_1" at 127.0.0.3. */
final class ImdsTestServer implements AutoCloseable {
    static final String VM0 = "ss_0";
    static final String VM0_ID = "0a1b2c3d-0000-4000-8000-000000000000";
    static final String VM1 = "ss_1";
    static final String VM1_ID = "1a1b2c3d-0000-4000-8000-000000000001";
    private static EmulatorAuthority authority;

    final FakeImdsBackend backend = new FakeImdsBackend();
    final ImdsServer server;

    ImdsTestServer(double requestsPerSecond) throws IOException {
        backend.add("127.0.0.2", FakeImdsBackend.vm(VM0, VM0_ID)).add("127.0.0.3", FakeImdsBackend.vm(VM1, VM1_ID));
        server = new ImdsServer(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), backend,
                new AttestedDocuments(authority().imdsSigning(), Clock.systemUTC()), requestsPerSecond).start();
    }

    /** Lenient enough that no test but the rate-limit one meets a 429. */
    ImdsTestServer() throws IOException {
        this(10_000);
    }

    /** One authority for all IMDS tests: making RSA keys is the slow part. */
    static synchronized EmulatorAuthority authority() {
        if (authority == null) {
            try {
                Path folder = Files.createTempDirectory("imds-test-authority");
                // Test keys are throwaway, but still not left lying in /tmp.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (var files = Files.walk(folder)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
                    } catch (IOException ignored) {
                        // best effort at exit
                    }
                }));
                authority = EmulatorAuthority.loadOrCreate(folder);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return authority;
    }

    ImdsClient as(String source) {
        return new ImdsClient(server.address(), source);
    }

    @Override
    public void close() {
        server.close();
    }
}
