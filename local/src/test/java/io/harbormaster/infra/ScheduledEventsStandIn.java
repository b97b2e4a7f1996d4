package io.harbormaster.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A stand-in for the Instance Metadata Service of one VM: its name ({@code /metadata/instance/compute/name}) and
 * its scheduled events ({@code /metadata/scheduledevents}) in the documented schema, with the documented rules
 * that matter to a client: every request carries {@code Metadata: true} and an api-version, else 400; an approved
 * event turns {@code Started} in the next document, whose DocumentIncarnation grows.
 * https://learn.microsoft.com/azure/virtual-machines/linux/scheduled-events
 *
 * <p>Each approval is recorded with the wall-clock time it arrived and whatever {@code atApproval} observed,
 * synchronously, before the reply: the approving client is still waiting then, so the observation is of the
 * world as it was when the client approved.
 *
 * @param <T> what is observed at each approval
 */
final class ScheduledEventsStandIn<T> implements AutoCloseable {
    static final String EVENTS_PATH = "/metadata/scheduledevents";
    static final String API_VERSION = "2020-07-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scheduled event, as announced. */
    record Event(String eventId, String eventType, String resource, Instant notBefore) {}

    /** One POST of StartRequests: when it arrived, its body, the event ids it names, what was observed then. */
    record Approval<T>(Instant at, String body, List<String> eventIds, T observed) {}

    private final HttpServer server;
    private final String vmName;
    private final Supplier<T> atApproval;
    private final List<Approval<T>> approvals = Collections.synchronizedList(new ArrayList<>());
    private final List<String> refused = Collections.synchronizedList(new ArrayList<>());
    private final List<Instant> documentsServed = Collections.synchronizedList(new ArrayList<>());
    private final List<String> namesServed = Collections.synchronizedList(new ArrayList<>());
    private Event event;
    private boolean started;
    private int incarnation = 1;

    private ScheduledEventsStandIn(HttpServer server, String vmName, Supplier<T> atApproval) {
        this.server = server;
        this.vmName = vmName;
        this.atApproval = atApproval;
    }

    /** Listens on {@code address} at an ephemeral port, for VM {@code vmName}, announcing no event yet. */
    static <T> ScheduledEventsStandIn<T> start(String address, String vmName, Supplier<T> atApproval) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        ScheduledEventsStandIn<T> standIn = new ScheduledEventsStandIn<>(server, vmName, atApproval);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", standIn::handle);
        server.start();
        return standIn;
    }

    /** The base URL, as HARBORMASTER_IMDS_URL takes it. */
    URI url() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort());
    }

    synchronized void announce(Event announced) {
        event = announced;
        started = false;
        incarnation++;
    }

    List<Approval<T>> approvals() {
        synchronized (approvals) {
            return List.copyOf(approvals);
        }
    }

    /** Requests refused for breaking IMDS's rules (no Metadata header, no api-version): a client bug. */
    List<String> refused() {
        synchronized (refused) {
            return List.copyOf(refused);
        }
    }

    /** When each scheduled-events document was served. */
    List<Instant> documentsServed() {
        synchronized (documentsServed) {
            return List.copyOf(documentsServed);
        }
    }

    /** Times the VM name was served. */
    int namesServed() {
        return namesServed.size();
    }

    synchronized String document() {
        StringBuilder json = new StringBuilder("{\"DocumentIncarnation\":").append(incarnation).append(",\"Events\":[");
        if (event != null) {
            json.append(JSON.createObjectNode()
                    .put("EventId", event.eventId())
                    .put("EventStatus", started ? "Started" : "Scheduled")
                    .put("EventType", event.eventType())
                    .put("ResourceType", "VirtualMachine")
                    .<com.fasterxml.jackson.databind.node.ObjectNode>set("Resources", JSON.createArrayNode().add(event.resource()))
                    // Started events have an empty NotBefore, as documented.
                    .put("NotBefore", started ? "" : DateTimeFormatter.RFC_1123_DATE_TIME.format(event.notBefore().atOffset(ZoneOffset.UTC)))
                    .put("Description", "Virtual machine is being deleted.")
                    .put("EventSource", "Platform")
                    .put("DurationInSeconds", -1)
                    .toString());
        }
        return json.append("]}").toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String what = method + " " + exchange.getRequestURI();
            if (!"true".equals(exchange.getRequestHeaders().getFirst("Metadata"))) {
                refused.add(what + ": no Metadata: true header");
                reply(exchange, 400, "{\"error\":\"Bad request. Required metadata header not specified\"}");
                return;
            }
            if (!query.matches("(.*&)?api-version=[0-9-]+(&.*)?")) {
                refused.add(what + ": no api-version");
                reply(exchange, 400, "{\"error\":\"Bad request. api-version was not specified in the request\"}");
                return;
            }
            if (method.equals("GET") && path.equals("/metadata/instance/compute/name") && query.contains("format=text")) {
                namesServed.add(what);
                reply(exchange, 200, "text/plain; charset=utf-8", vmName);
            } else if (method.equals("GET") && path.equals(EVENTS_PATH) && query.equals("api-version=" + API_VERSION)) {
                documentsServed.add(Instant.now());
                reply(exchange, 200, document());
            } else if (method.equals("POST") && path.equals(EVENTS_PATH) && query.equals("api-version=" + API_VERSION)) {
                Instant at = Instant.now();
                List<String> ids = new ArrayList<>();
                try {
                    JSON.readTree(body).path("StartRequests").forEach(request -> ids.add(request.path("EventId").asText()));
                } catch (IOException malformed) {
                    refused.add(what + ": body is not JSON");
                    reply(exchange, 400, "{\"error\":\"Bad request\"}");
                    return;
                }
                approvals.add(new Approval<>(at, body, List.copyOf(ids), atApproval.get()));
                synchronized (this) {
                    if (event != null && ids.contains(event.eventId()) && !started) {
                        started = true;
                        incarnation++;
                    }
                }
                reply(exchange, 200, "");
            } else {
                reply(exchange, 404, "{\"error\":\"Not found\"}");
            }
        } catch (RuntimeException | Error e) {
            refused.add("the stand-in failed: " + e);
            throw e;
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        reply(exchange, status, "application/json; charset=utf-8", json);
    }

    private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
