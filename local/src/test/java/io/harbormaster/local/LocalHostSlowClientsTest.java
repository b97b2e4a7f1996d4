package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Clients that are slow, silent or send too much must not take the host from everyone else. */
class LocalHostSlowClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void fortySlowConnectionsThatNeverFinishTheirHeadersDoNotStopANormalRequest() throws Exception {
        // The default pool of 32: the host stopped answering once 32 connections sat in their headers.
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(LocalHostSettings.PORT, "0",
                LocalHostSettings.FUNCTION_KEY, "k"), LocalHostHttpTest.SAMPLES).withConsole(QUIET))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Socket socket = new Socket(InetAddress.getLoopbackAddress(), host.port());
                    // A request line and one header, never the blank line that ends the headers.
                    socket.getOutputStream().write(("GET /api/hello/slow" + i + " HTTP/1.1\r\nHost: x\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    slow.add(socket);
                }
                // Let the server pick every one of them up and start reading it.
                Thread.sleep(500);
                for (int attempt = 0; attempt < 3; attempt++) {
                    long started = System.nanoTime();
                    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + host.port() + "/api/hello/world"))
                            .timeout(Duration.ofSeconds(4)).build(), HttpResponse.BodyHandlers.ofString());
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    assertEquals(200, response.statusCode());
                    assertEquals("hello world", response.body());
                    assertTrue(millis < 1_000, "a normal request took " + millis + " ms behind 40 slow connections");
                }
                for (Socket socket : slow) {
                    assertTrue(!socket.isClosed());
                }
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void theThreadsSettingLimitsHowManyFunctionsRunAtOnce() throws Exception {
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(LocalHostSettings.PORT, "0",
                LocalHostSettings.FUNCTION_KEY, "k", LocalHostSettings.THREADS, "2"), LocalHostHttpTest.SAMPLES)
                .withConsole(QUIET))) {
            long started = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(host.baseUri() + "slow")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> call : calls) {
                assertEquals("slept", call.get(20, TimeUnit.SECONDS).body());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // Two at a time: three rounds of 300 ms. Unlimited, all six would sleep at once.
            assertTrue(millis >= 850, "6 requests of 300 ms, 2 at a time, took only " + millis + " ms");
        }
    }

    @Test
    void aBodyOverOneMebibyteIs413WithJsonAndOneOfExactlyThatSizeIsServed() throws Exception {
        try (LocalHost host = LocalHost.start(LocalHostOptions.of(Map.of(LocalHostSettings.PORT, "0",
                LocalHostSettings.FUNCTION_KEY, "k"), LocalHostHttpTest.SAMPLES).withConsole(QUIET))) {
            URI echo = URI.create("http://127.0.0.1:" + host.port() + "/api/echo");
            String limit = "a".repeat(HttpTriggerServer.MAX_BODY_BYTES);

            HttpResponse<String> atLimit = HTTP.send(HttpRequest.newBuilder(echo)
                    .POST(HttpRequest.BodyPublishers.ofString(limit)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, atLimit.statusCode());
            assertEquals(limit, JSON.readTree(atLimit.body()).get("body").asText());

            // Declared by Content-Length: answered before the body is read.
            assertTooLarge(HTTP.send(HttpRequest.newBuilder(echo)
                    .POST(HttpRequest.BodyPublishers.ofString(limit + "a")).build(), HttpResponse.BodyHandlers.ofString()));
            // Chunked, no length declared: the host stops reading after the limit.
            HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofString(limit + "a"));
            assertTooLarge(HTTP.send(HttpRequest.newBuilder(echo).POST(chunked).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    private static void assertTooLarge(HttpResponse<String> response) throws IOException {
        assertEquals(413, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertEquals("body_too_large", body.get("error").asText());
        assertTrue(body.get("message").asText().contains("1 MiB"), response.body());
    }

    /**
     * In a JVM of its own, as scripts/dev.sh runs it: the JDK server reads its timeouts once per JVM, and in this
     * test JVM another server (the emulator's) may have started first.
     */
    @Test
    void aConnectionStuckInItsHeadersAndASilentOneAreClosedByTheHost() throws Exception {
        Process host = startHostProcess();
        try {
            int port = awaitStarted(host);
            try (Socket headers = new Socket(InetAddress.getLoopbackAddress(), port);
                    Socket silent = new Socket(InetAddress.getLoopbackAddress(), port);
                    Socket keptAlive = new Socket(InetAddress.getLoopbackAddress(), port)) {
                long opened = System.nanoTime();
                headers.getOutputStream().write("GET /api/hello/x HTTP/1.1\r\nHost: x\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                headers.getOutputStream().flush();
                keptAlive.getOutputStream().write("GET /api/hello/x HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                keptAlive.getOutputStream().flush();
                long answered = System.nanoTime();
                CompletableFuture<Long> silentClosed = CompletableFuture.supplyAsync(() -> millisUntilClosed(silent, opened));
                CompletableFuture<Long> idleClosed = CompletableFuture.supplyAsync(
                        () -> millisUntilClosed(keptAlive, answered));

                long readTimeout = HttpTriggerServer.REQUEST_READ_TIMEOUT.toMillis();
                long headersClosed = millisUntilClosed(headers, opened);
                assertTrue(headersClosed >= readTimeout - 500 && headersClosed <= readTimeout + 2_000,
                        "a request still in its headers was closed after " + headersClosed + " ms, not about "
                                + readTimeout);
                // A connection that never sends a byte is a request not yet read: the same timeout.
                long silentMillis = silentClosed.get(readTimeout + 10_000, TimeUnit.MILLISECONDS);
                assertTrue(silentMillis >= readTimeout - 500 && silentMillis <= readTimeout + 2_000,
                        "a silent connection was closed after " + silentMillis + " ms, not about " + readTimeout);
                // Answered, then kept alive without a next request: the idle timeout.
                long idle = HttpTriggerServer.IDLE_TIMEOUT.toMillis();
                long idleMillis = idleClosed.get(idle + 10_000, TimeUnit.MILLISECONDS);
                assertTrue(idleMillis >= idle - 1_000 && idleMillis <= idle + 2_500,
                        "an idle kept-alive connection was closed after " + idleMillis + " ms, not about " + idle);
            }
        } finally {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process startHostProcess() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LocalHost.class.getName(), LocalHostHttpTest.SAMPLES);
        builder.environment().keySet().removeIf(name -> name.startsWith("HARBORMASTER_"));
        builder.environment().put(LocalHostSettings.PORT, "0");
        builder.environment().put(LocalHostSettings.BIND_ADDRESS, "127.0.0.1");
        builder.environment().put(LocalHostSettings.FUNCTION_KEY, "k");
        builder.redirectErrorStream(true);
        return builder.start();
    }

    /** Reads the host's listing until its hello route shows the port; fails with what it printed otherwise. */
    private static int awaitStarted(Process host) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            seen.append(line).append('\n');
            int at = line.indexOf("http://localhost:");
            if (line.contains("hello") && at >= 0) {
                String rest = line.substring(at + "http://localhost:".length());
                int port = Integer.parseInt(rest.substring(0, rest.indexOf('/')));
                Thread drain = new Thread(() -> {
                    try {
                        lines.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ended) {
                        // the host is gone
                    }
                }, "host-output");
                drain.setDaemon(true);
                drain.start();
                return port;
            }
        }
        throw new AssertionError("the host exited before listing its routes:\n" + seen);
    }

    private static long millisUntilClosed(Socket socket, long sinceNanos) {
        try {
            socket.setSoTimeout(60_000);
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // A 408 or any other bytes the server sends before closing are fine; the close is what counts.
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the host kept the connection open for 60 s", e);
        } catch (IOException reset) {
            // A reset is a close too.
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }
}
