package io.harbormaster.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import io.harbormaster.emulator.arm.ArmServer;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.http.HttpListener;
import io.harbormaster.emulator.nodes.HangingBoots;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The emulator's own controls, on loopback: the knobs Azure has no API for (throttling, failures, slow operations,
 * maintenance events) and what the emulator saw (ARM requests, scheduled events). Not part of any Azure surface.
 */
final class ControlServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Map<String, String> ROUTES = new LinkedHashMap<>();

    static {
        ROUTES.put("GET /events", "every scheduled event posted so far, with who approved it and when");
        ROUTES.put("GET /requests", "the ARM requests received, oldest first");
        ROUTES.put("POST /faults/throttle?count=N&retryAfterSeconds=S", "answer the next N ARM requests 429");
        ROUTES.put("POST /faults/server-error?count=N&status=503", "answer the next N ARM requests with a 5xx");
        ROUTES.put("POST /faults/refuse-next?status=409&code=C&message=M[&method=POST][&path=/delete]",
                "refuse the next matching ARM request with ARM's error body");
        ROUTES.put("POST /faults/fail-next-operation?code=AllocationFailed&message=M",
                "the next long-running operation ends Failed with that code");
        ROUTES.put("POST /faults/slow-operations?seconds=S", "every operation takes S seconds longer");
        ROUTES.put("POST /faults/hold-boot?vm=NAME", "the VM's next boot hangs (its node never joins) until it is restarted");
        ROUTES.put("POST /faults/clear", "no more injected faults");
        ROUTES.put("POST /images/publish?version=V[&scaleSet=NAME][&excludeFromLatest=true]",
                "publish a newer version of the scale set's model image (what 'latest' means for new disks); for a"
                        + " gallery image, excludeFromLatest publishes it (or marks an existing one) so latest skips it");
        ROUTES.put("POST /events/cancel?vm=NAME", "Azure cancels the not yet started events listing that VM");
        ROUTES.put("POST /maintenance?vm=NAME&type=Reboot|Redeploy|Freeze&noticeSeconds=S",
                "a maintenance event for that VM, as Azure would schedule one");
    }

    private final HttpListener listener;
    private final EmulatedCloud cloud;
    private final ArmServer arm;
    private final String scaleSetName;
    private final HangingBoots boots;

    ControlServer(InetSocketAddress bind, EmulatedCloud cloud, ArmServer arm, String scaleSetName, HangingBoots boots)
            throws IOException {
        this.cloud = cloud;
        this.arm = arm;
        this.scaleSetName = scaleSetName;
        this.boots = boots;
        this.listener = HttpListener.http(bind, "emulator-control", 2, this::handle);
    }

    ControlServer start() {
        listener.start();
        return this;
    }

    URI endpoint() {
        return URI.create("http://" + listener.authority() + "/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String route = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            try {
                Object body = switch (route) {
                    case "GET /" -> ROUTES;
                    case "GET /events" -> cloud.eventHistory();
                    case "GET /requests" -> arm.requests().stream().map(call -> Map.of("method", call.method(),
                            "path", call.path(), "status", call.status(), "receivedAt", call.receivedAt().toString())).toList();
                    case "POST /faults/throttle" -> {
                        arm.faults().throttleNext(count(query), Duration.ofSeconds(number(query, "retryAfterSeconds", 1)));
                        yield Map.of("throttled", count(query));
                    }
                    case "POST /faults/server-error" -> {
                        arm.faults().serverErrorNext(count(query), (int) number(query, "status", 503));
                        yield Map.of("failing", count(query));
                    }
                    case "POST /faults/refuse-next" -> {
                        arm.faults().refuseNext((int) number(query, "status", 409), required(query, "code"),
                                query.getOrDefault("message", required(query, "code")), query.get("method"), query.get("path"));
                        yield Map.of("refusing", required(query, "code"));
                    }
                    case "POST /faults/fail-next-operation" -> {
                        arm.faults().failNextOperation(required(query, "code"),
                                query.getOrDefault("message", "Injected by the emulator's controls"));
                        yield Map.of("failing", required(query, "code"));
                    }
                    case "POST /faults/slow-operations" -> {
                        arm.faults().slowOperations(Duration.ofSeconds(number(query, "seconds", 0)));
                        yield Map.of("delaySeconds", number(query, "seconds", 0));
                    }
                    case "POST /faults/hold-boot" -> {
                        boots.holdNextBoot(required(query, "vm"));
                        yield Map.of("holding", required(query, "vm"));
                    }
                    case "POST /images/publish" -> {
                        String scaleSet = query.getOrDefault("scaleSet", scaleSetName);
                        boolean excluded = "true".equalsIgnoreCase(query.get("excludeFromLatest"));
                        cloud.publishImageVersion(scaleSet, required(query, "version"), excluded);
                        yield Map.of("published", required(query, "version"), "scaleSet", scaleSet,
                                "excludeFromLatest", excluded);
                    }
                    case "POST /faults/clear" -> {
                        arm.faults().clear();
                        yield Map.of("cleared", true);
                    }
                    case "POST /events/cancel" -> Map.of("cancelled", cloud.cancelEvents(required(query, "vm")));
                    case "POST /maintenance" -> {
                        cloud.scheduleMaintenance(required(query, "vm"), required(query, "type"),
                                Duration.ofSeconds(number(query, "noticeSeconds", 300)));
                        yield Map.of("scheduled", required(query, "type"), "vm", required(query, "vm"));
                    }
                    default -> throw new IllegalArgumentException("no route " + route + "; GET / lists them");
                };
                reply(exchange, 200, body);
            } catch (IllegalArgumentException e) {
                reply(exchange, 400, Map.of("error", "bad_request", "message", String.valueOf(e.getMessage())));
            }
        }
    }

    private static int count(Map<String, String> query) {
        return (int) number(query, "count", 1);
    }

    private static long number(Map<String, String> query, String name, long defaultValue) {
        String value = query.get(name);
        try {
            return value == null ? defaultValue : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number: " + value);
        }
    }

    private static String required(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }

    private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        listener.close();
    }
}
