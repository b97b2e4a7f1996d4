package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.local.samples.http.HttpSamples;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real host on an ephemeral port, serving {@link HttpSamples}, called over HTTP. */
class LocalHostHttpTest {
    static final String FUNCTION_KEY = "test-function-key";
    static final String MASTER_KEY = "test-master-key";
    static final String SAMPLES = "io.harbormaster.local.samples.http";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalHost host;
    private static final ByteArrayOutputStream CONSOLE = new ByteArrayOutputStream();

    @BeforeAll
    static void start() {
        HttpSamples.CONSTRUCTIONS.set(0);
        host = LocalHost.start(LocalHostOptions.of(Map.of(
                        LocalHostSettings.PORT, "0",
                        LocalHostSettings.THREADS, "16",
                        LocalHostSettings.FUNCTION_KEY, FUNCTION_KEY,
                        LocalHostSettings.MASTER_KEY, MASTER_KEY), SAMPLES)
                .withConsole(new PrintStream(CONSOLE, true, StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    static HttpResponse<String> send(LocalHost target, String method, String pathAndQuery, String body,
            String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port()
                        + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        return send(host, "GET", pathAndQuery, null, headers);
    }

    @Test
    void anAnonymousFunctionGetsItsRouteValueAndQuery() throws Exception {
        HttpResponse<String> response = get("/api/hello/world?greeting=hi");
        assertEquals(200, response.statusCode());
        assertEquals("hi world", response.body());
        assertEquals("text/plain; charset=utf-8", response.headers().firstValue("content-type").orElse(""));
        assertEquals("hello caf\u00e9", get("/api/hello/caf%C3%A9").body());
    }

    @Test
    void aFunctionLevelFunctionWithoutAKeyIs401WithAnEmptyBodyAndIsNotInvoked() throws Exception {
        int before = HttpSamples.SECURE_CALLS.get();
        HttpResponse<String> response = get("/api/secure");
        assertEquals(401, response.statusCode());
        assertEquals("", response.body());
        assertEquals(401, get("/api/secure?code=wrong").statusCode());
        assertEquals(401, get("/api/secure", "x-functions-key", "wrong").statusCode());
        assertEquals(401, get("/api/secure?code=" + FUNCTION_KEY.substring(1)).statusCode());
        assertEquals(before, HttpSamples.SECURE_CALLS.get());
    }

    @Test
    void theFunctionKeyIsAcceptedInTheQueryOrTheHeader() throws Exception {
        assertEquals("secret", get("/api/secure?code=" + FUNCTION_KEY).body());
        assertEquals(200, get("/api/secure", "x-functions-key", FUNCTION_KEY).statusCode());
        assertEquals(200, get("/api/secure", "X-Functions-Key", FUNCTION_KEY).statusCode());
        assertEquals(200, get("/api/secure?code=" + MASTER_KEY).statusCode());
        assertEquals(200, get("/api/secure?code=" + FUNCTION_KEY, "x-functions-key", "").statusCode());
        assertEquals(401, get("/api/secure?code=" + FUNCTION_KEY, "x-functions-key", "wrong").statusCode());
    }

    @Test
    void anAdminFunctionAcceptsOnlyTheMasterKey() throws Exception {
        assertEquals(401, get("/api/admin-only?code=" + FUNCTION_KEY).statusCode());
        assertEquals(401, get("/api/admin-only").statusCode());
        assertEquals("admin", get("/api/admin-only", "x-functions-key", MASTER_KEY).body());
    }

    @Test
    void anUnknownRouteIs404() throws Exception {
        assertEquals(404, get("/api/nope").statusCode());
        assertEquals(404, get("/api/hello").statusCode());
        assertEquals(404, get("/hello/world").statusCode());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, send(host, "PROPFIND", "/api/hello/world", null).statusCode());
    }

    @Test
    void aMethodTheTriggerDoesNotListIs404AsOnTheRealHost() throws Exception {
        assertEquals(404, get("/api/post-only").statusCode());
        assertEquals(404, send(host, "DELETE", "/api/hello/world", null).statusCode());
        HttpResponse<String> post = send(host, "POST", "/api/post-only", "payload");
        assertEquals(201, post.statusCode());
        assertEquals("payload", post.body());
        assertEquals("<none>", send(host, "POST", "/api/post-only", null).body());
    }

    @Test
    void aFunctionThatThrowsIs500WithTheInvocationIdAndNoDetails() throws Exception {
        HttpResponse<String> response = get("/api/boom");
        assertEquals(500, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertEquals("internal error", body.path("error").asText());
        UUID.fromString(body.path("invocationId").asText());
        assertEquals(2, body.size());
        assertFalse(response.body().contains("kaboom"));
    }

    @Test
    void constrainedRouteValuesAreConvertedAndLiteralPrecedenceHolds() throws Exception {
        JsonNode byId = JSON.readTree(get("/api/items/21").body());
        assertEquals(21, byId.path("id").asInt());
        assertEquals(42, byId.path("doubled").asInt());
        assertEquals("abc", JSON.readTree(get("/api/items/abc").body()).path("name").asText());
        assertEquals("<all>", get("/api/files").body());
        assertEquals("a.txt", get("/api/files/a.txt").body());
        assertEquals(200, get("/API/Hello/x").statusCode());
    }

    @Test
    void theRequestCarriesLowercasedHeadersJoinedQueryValuesAndTheBody() throws Exception {
        HttpResponse<String> response = send(host, "POST", "/api/echo?x=1&x=2&y=a%20b", "hello body",
                "X-Custom", "Value", "Content-Type", "text/plain; charset=utf-8");
        assertEquals(200, response.statusCode());
        assertEquals("echo", response.headers().firstValue("x-sample").orElse(""));
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode seen = JSON.readTree(response.body());
        assertEquals("POST", seen.path("method").asText());
        assertEquals("Value", seen.path("headers").path("x-custom").asText());
        assertTrue(seen.path("headers").path("X-Custom").isMissingNode());
        assertEquals("1,2", seen.path("query").path("x").asText());
        assertEquals("a b", seen.path("query").path("y").asText());
        assertEquals("hello body", seen.path("body").asText());
        assertEquals("echo", seen.path("functionName").asText());
        assertEquals("echo", seen.path("logger").asText());
        assertTrue(seen.path("uri").asText().endsWith("/api/echo?x=1&x=2&y=a%20b"), seen.path("uri").asText());
        assertTrue(seen.path("traceparent").asText().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"));
        UUID.fromString(seen.path("invocationId").asText());
        assertTrue(JSON.readTree(send(host, "GET", "/api/echo", null).body()).path("body").isNull());
    }

    @Test
    void anEmptyRouteDefaultsToTheFunctionNameAndBytesGoOutAsOctetStream() throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(host.baseUri() + "plain"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(new byte[] {1, 2, 3}, response.body());
        assertEquals("application/octet-stream", response.headers().firstValue("content-type").orElse(""));
    }

    @Test
    void eachFunctionClassIsConstructedOnce() throws Exception {
        get("/api/hello/a");
        get("/api/items/1");
        assertEquals(1, HttpSamples.CONSTRUCTIONS.get());
    }

    @Test
    void theListingHasOneLinePerFunctionWithMethodsUrlAndAuthLevel() {
        String base = "http://localhost:" + host.port() + "/api/";
        List<String> listing = host.listing();
        assertTrue(listing.contains("hello: GET " + base + "hello/{name} [ANONYMOUS]"), listing.toString());
        assertTrue(listing.contains("secure: ANY " + base + "secure [FUNCTION]"), listing.toString());
        assertTrue(listing.contains("postOnly: POST " + base + "post-only [ANONYMOUS]"), listing.toString());
        assertTrue(listing.contains("plain: ANY " + base + "plain [ANONYMOUS]"), listing.toString());
        assertEquals(11, listing.size(), listing.toString());
        String console = CONSOLE.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("  adminOnly: ANY " + base + "admin-only [ADMIN]"), console);
        assertTrue(console.matches("(?s).*Host started in \\d+ ms.*"), console);
        assertFalse(console.contains(FUNCTION_KEY) || console.contains(MASTER_KEY), console);
    }

    @Test
    void concurrentRequestsRunInParallel() throws Exception {
        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(host.baseUri() + "slow")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertEquals("slept", call.get().body());
        }
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        // One after the other would take 8 x 300 ms.
        assertTrue(millis < 1_500, "8 requests of 300 ms took " + millis + " ms");
    }

    @Test
    void responsesAreNotHeldBackByNagle() throws Exception {
        get("/api/hello/warmup");
        int calls = 40;
        long started = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            assertEquals(200, get("/api/hello/x").statusCode());
        }
        long averageMicros = Duration.ofNanos(System.nanoTime() - started).toNanos() / 1_000 / calls;
        // With Nagle on, every response waits ~40 ms for a delayed ACK.
        assertTrue(averageMicros < 15_000, "average latency " + averageMicros + " us");
    }
}
