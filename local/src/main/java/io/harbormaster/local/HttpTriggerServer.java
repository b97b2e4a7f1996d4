package io.harbormaster.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.harbormaster.functions.StartupTrace;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves HTTP-triggered functions on {@code /<routePrefix>/<route>} with the JDK's HTTP server: checks keys,
 * binds the request, invokes the function on a fixed pool of threads and writes its response.
 */
public final class HttpTriggerServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HttpTriggerServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_HEADER = "x-functions-key";

    /** The largest request body a function is given; a larger one is answered 413 and never read whole. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    /** Request line, headers and body must arrive within this, or the connection is closed. */
    static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(5);
    /** A kept-alive connection with no request under way is closed after this (a new, silent one after the above). */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How much of a refused body is read and dropped before the connection closes: closing on unread bytes resets
     * the connection, and the client may lose the 413 with it. Larger bodies are cut off.
     */
    static final int MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
    /** Connections beyond this are closed at once: each one being read holds a connection thread. */
    static final int MAX_CONNECTIONS = 256;

    static {
        // The JDK's server reads these once, when its first HttpServer starts in the JVM, so they are set here and not
        // per server. A -D on the command line wins. Without nodelay every response waits ~40 ms for Nagle's
        // algorithm and delayed ACKs (see notes/http-on-loopback.md).
        defaultProperty("sun.net.httpserver.nodelay", "true");
        defaultProperty("sun.net.httpserver.maxReqTime", Long.toString(REQUEST_READ_TIMEOUT.toSeconds()));
        defaultProperty("sun.net.httpserver.timerMillis", "250");
        defaultProperty("sun.net.httpserver.idleInterval", Long.toString(IDLE_TIMEOUT.toSeconds()));
        defaultProperty("sun.net.httpserver.clockTick", "1000");
        defaultProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        defaultProperty("sun.net.httpserver.drainAmount", Integer.toString(MAX_DISCARDED_BYTES));
    }

    private final List<HttpRoute> routes;
    private final FunctionKeys keys;
    private final List<String> prefix;
    private final Object activity = new Object();
    private int active;
    private boolean stopping;
    private HttpServer server;
    private ExecutorService connections;
    private Semaphore invocations;

    public HttpTriggerServer(List<HttpRoute> routes, FunctionKeys keys, String routePrefix) {
        this.routes = routes.stream().sorted((a, b) -> a.template().compareTo(b.template())).toList();
        this.keys = keys;
        this.prefix = segments(routePrefix);
    }

    /**
     * Listens on {@code bindAddress:port}. Each connection is read on a thread of its own, so that clients slow to
     * send their request hold only that thread (until {@link #REQUEST_READ_TIMEOUT}); at most {@code threads}
     * functions run at once.
     */
    public void start(String bindAddress, int port, int threads) {
        AtomicInteger counter = new AtomicInteger();
        // Unbounded here, bounded by MAX_CONNECTIONS in the server: a rejected task would leak its connection.
        connections = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "http-connection-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        invocations = new Semaphore(threads);
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, port), 256);
        } catch (IOException e) {
            connections.shutdownNow();
            throw new LocalHostStartupException("Cannot listen on " + bindAddress + ":" + port + " (setting "
                    + LocalHostSettings.PORT + "): " + e.getMessage(), e);
        }
        server.setExecutor(connections);
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Lets running requests finish (up to {@code grace}), answering new ones with 503, then stops. */
    public void close(Duration grace) {
        if (server == null) {
            return;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (activity) {
            stopping = true;
            try {
                while (active > 0 && System.nanoTime() < deadline) {
                    activity.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server.stop(0);
        connections.shutdownNow();
        server = null;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void handle(HttpExchange exchange) throws IOException {
        synchronized (activity) {
            if (stopping) {
                respondEmpty(exchange, 503);
                return;
            }
            active++;
        }
        try (exchange) {
            dispatch(exchange);
        } catch (RuntimeException | IOException e) {
            // The client went away or the response could not be written: nothing more to tell it.
            LOG.log(Level.FINE, "HTTP exchange failed", e);
        } finally {
            synchronized (activity) {
                active--;
                activity.notifyAll();
            }
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        URI requestUri = exchange.getRequestURI();
        Optional<List<String>> path = routePath(requestUri.getRawPath());
        if (path.isEmpty()) {
            respondEmpty(exchange, 404);
            return;
        }
        HttpMethod method = method(exchange.getRequestMethod());
        HttpRoute route = null;
        RouteTemplate.Match match = null;
        for (HttpRoute candidate : routes) {
            Optional<RouteTemplate.Match> found = candidate.template().match(path.get());
            // The host answers 404, not 405, when the route exists but not for this method.
            if (found.isPresent() && method != null && candidate.accepts(method)) {
                route = candidate;
                match = found.get();
                break;
            }
        }
        if (route == null) {
            respondEmpty(exchange, 404);
            return;
        }
        Map<String, String> headers = headers(exchange.getRequestHeaders());
        Map<String, String> query = query(requestUri.getRawQuery());
        String headerKey = headers.get(KEY_HEADER);
        String key = headerKey != null && !headerKey.isEmpty() ? headerKey : query.get("code");
        if (!keys.authorizes(route.authLevel(), key)) {
            respondEmpty(exchange, 401);
            return;
        }
        Optional<byte[]> body = readBody(exchange.getRequestBody(), declaredLength(headers.get("content-length")),
                headers.containsKey("transfer-encoding"));
        if (body.isEmpty()) {
            discardRest(exchange.getRequestBody());
            respondTooLarge(exchange);
            return;
        }
        URI uri = requestUri(headers.get("host"), requestUri);
        String text = body.get().length == 0 ? null : new String(body.get(), charset(headers.get("content-type")));
        LocalHttpRequest<String> request = new LocalHttpRequest<>(uri, method, headers, query, text);
        invoke(exchange, route, match, request);
    }

    private void invoke(HttpExchange exchange, HttpRoute route, RouteTemplate.Match match,
            LocalHttpRequest<String> request) throws IOException {
        LocalExecutionContext context = LocalExecutionContext.newInvocation(route.functionName(),
                request.headers().get("traceparent"), request.headers().get("tracestate"));
        Map<String, Object> bindingData = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        bindingData.putAll(request.queryParameters());
        bindingData.putAll(match.values());
        long started = System.nanoTime();
        LocalHttpResponse response;
        LocalHttpResponse.EncodedBody body;
        try {
            Object result = invokeWithinLimit(route, new FunctionInvoker.Invocation(request, bindingData, context));
            response = toResponse(result);
            // Encoded here so that a body Jackson cannot write is a 500 like any other failure.
            body = response.encodedBody();
            LOG.fine(() -> "Executed 'Functions." + route.functionName() + "' (Succeeded, Id="
                    + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)");
        } catch (FunctionInvoker.FunctionFailedException | RuntimeException e) {
            Throwable cause = e instanceof FunctionInvoker.FunctionFailedException ? e.getCause() : e;
            LOG.log(Level.SEVERE, "Executed 'Functions." + route.functionName() + "' (Failed, Id="
                    + context.getInvocationId() + ", Duration=" + millisSince(started) + "ms)", cause);
            response = LocalHttpResponse.builder(HttpStatus.INTERNAL_SERVER_ERROR)
                    .header("Content-Type", "application/json; charset=utf-8")
                    .body(JSON.writeValueAsString(Map.of("error", "internal error",
                            "invocationId", context.getInvocationId())))
                    .build();
            body = response.encodedBody();
        }
        write(exchange, response, body);
        if (StartupTrace.enabled() && !firstReplyTraced) {
            firstReplyTraced = true;
            StartupTrace.mark("local host: first reply " + response.getStatus().value() + " from "
                    + route.functionName() + " (" + millisSince(started) + " ms in the function)");
        }
    }

    private volatile boolean firstReplyTraced;

    private Object invokeWithinLimit(HttpRoute route, FunctionInvoker.Invocation invocation)
            throws FunctionInvoker.FunctionFailedException {
        invocations.acquireUninterruptibly();
        try {
            return route.invoker().invoke(invocation);
        } finally {
            invocations.release();
        }
    }

    private URI requestUri(String host, URI requestUri) {
        String query = requestUri.getRawQuery() == null ? "" : "?" + requestUri.getRawQuery();
        try {
            return URI.create("http://" + (host == null ? "localhost:" + port() : host) + requestUri.getRawPath() + query);
        } catch (IllegalArgumentException e) {
            return URI.create("http://localhost:" + port() + requestUri.getRawPath() + query);
        }
    }

    private static LocalHttpResponse toResponse(Object result) {
        if (result instanceof LocalHttpResponse local) {
            return local;
        }
        if (result instanceof HttpResponseMessage other) {
            LocalHttpResponse.Builder builder = LocalHttpResponse.builder(other.getStatus()).body(other.getBody());
            for (String name : List.of("Content-Type", "Location", "Cache-Control", "Retry-After")) {
                if (other.getHeader(name) != null) {
                    builder.header(name, other.getHeader(name));
                }
            }
            return builder.build();
        }
        if (result == null) {
            return LocalHttpResponse.builder(HttpStatus.NO_CONTENT).build();
        }
        return LocalHttpResponse.builder(HttpStatus.OK).body(result).build();
    }

    private static void write(HttpExchange exchange, LocalHttpResponse response, LocalHttpResponse.EncodedBody body)
            throws IOException {
        Headers out = exchange.getResponseHeaders();
        response.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")) {
                out.set(name, value);
            }
        });
        if (body.contentType() != null && !out.containsKey("Content-Type")) {
            out.set("Content-Type", body.contentType());
        }
        int status = response.getStatusCode();
        boolean noBody = exchange.getRequestMethod().equalsIgnoreCase("HEAD") || status == 204 || status == 304
                || status < 200 || body.bytes().length == 0;
        exchange.sendResponseHeaders(status, noBody ? -1 : body.bytes().length);
        if (!noBody) {
            exchange.getResponseBody().write(body.bytes());
        }
    }

    private static void respondEmpty(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /**
     * Reads and drops what is left of a refused body, up to {@link #MAX_DISCARDED_BYTES}, before the 413 is sent: a
     * client still sending when the server closes gets a reset, which can cost it the 413 already on its way.
     */
    private static void discardRest(java.io.InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = MAX_DISCARDED_BYTES;
        int read;
        while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            left -= read;
        }
    }

    private static void respondTooLarge(HttpExchange exchange) throws IOException {
        byte[] body = JSON.writeValueAsBytes(Map.of("error", "body_too_large",
                "message", "the request body is larger than " + MAX_BODY_BYTES + " bytes (1 MiB)"));
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        // The rest of the body is not read: the connection cannot carry another request.
        exchange.getResponseHeaders().set("Connection", "close");
        exchange.sendResponseHeaders(413, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** The Content-Length the client declared, or -1 (none, chunked, or not a number: the read decides then). */
    private static long declaredLength(String contentLength) {
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Optional<List<String>> routePath(String rawPath) {
        List<String> path;
        try {
            path = segments(rawPath).stream().map(HttpTriggerServer::decodeSegment).toList();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (path.size() < prefix.size()) {
            return Optional.empty();
        }
        for (int i = 0; i < prefix.size(); i++) {
            if (!prefix.get(i).equalsIgnoreCase(path.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(path.subList(prefix.size(), path.size()));
    }

    private static List<String> segments(String path) {
        return path == null ? List.of() : Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    private static String decodeSegment(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static HttpMethod method(String name) {
        try {
            return HttpMethod.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // Lowercased names, as the Functions host hands headers to Java functions; repeated headers joined by commas.
    private static Map<String, String> headers(Headers headers) {
        Map<String, String> lowercased = new HashMap<>();
        headers.forEach((name, values) -> lowercased.merge(name.toLowerCase(Locale.ROOT), String.join(",", values),
                (a, b) -> a + "," + b));
        return lowercased;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                query.merge(name, value, (a, b) -> a + "," + b);
            } catch (IllegalArgumentException e) {
                // A malformed escape: the parameter is ignored rather than failing the whole request.
            }
        }
        return query;
    }

    private static final byte[] NO_BODY = new byte[0];

    /** The body, or empty when it is over the limit; a declared length over it is not read at all. */
    private static Optional<byte[]> readBody(InputStream in, long declaredLength, boolean chunked) throws IOException {
        if (!chunked && declaredLength > MAX_BODY_BYTES) {
            return Optional.empty();
        }
        if (!chunked && declaredLength <= 0) {
            // No body: spares the 8 KiB buffer an open-ended read allocates on every GET.
            return Optional.of(NO_BODY);
        }
        byte[] bytes = in.readNBytes(chunked ? MAX_BODY_BYTES + 1 : (int) declaredLength);
        return bytes.length > MAX_BODY_BYTES ? Optional.empty() : Optional.of(bytes);
    }

    private static Charset charset(String contentType) {
        if (contentType != null) {
            for (String part : contentType.split(";")) {
                String trimmed = part.trim();
                if (trimmed.regionMatches(true, 0, "charset=", 0, 8)) {
                    try {
                        return Charset.forName(trimmed.substring(8).replace("\"", "").trim());
                    } catch (IllegalArgumentException e) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
